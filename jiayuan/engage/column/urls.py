"""Staff pages of the policy column, under /engage/column/."""

from django.urls import path

from jiayuan.engage.column import views as v

urlpatterns = [
    path("", v.post_list, name="post_list"),
    path("new/", v.post_new, name="post_new"),
    path("<int:pk>/", v.post_detail, name="post_detail"),
    path("<int:pk>/edit/", v.post_edit, name="post_edit"),
    path("<int:pk>/reviewed/", v.post_reviewed, name="post_reviewed"),
    path("<int:pk>/poster.pdf", v.post_poster_pdf, name="post_poster_pdf"),
    path("<int:pk>/versions/<int:version>/", v.post_version, name="post_version"),
]
