"""Staff pages of suggestions (金点子), under /civic/suggestions/."""

from django.urls import path

from jiayuan.civic.suggestions import views as v

urlpatterns = [
    path("", v.suggestion_list, name="suggestion_list"),
    path("new/", v.suggestion_new, name="suggestion_new"),
    path("new/people/", v.suggestion_person_search, name="suggestion_person_search"),
    path("statuses/", v.suggestion_statuses, name="suggestion_statuses"),
    path("<int:pk>/", v.suggestion_detail, name="suggestion_detail"),
    path("<int:pk>/status/", v.suggestion_status, name="suggestion_status"),
    path("<int:pk>/merge/", v.suggestion_merge, name="suggestion_merge"),
    path("<int:pk>/adopt/", v.suggestion_adopt, name="suggestion_adopt"),
    path("<int:pk>/contact/", v.suggestion_contact_reveal, name="suggestion_contact_reveal"),
]
