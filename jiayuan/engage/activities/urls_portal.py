"""Activities on the portal, under /portal/engage/activities/."""

from django.urls import path

from jiayuan.engage.activities import views_portal as v

urlpatterns = [
    path("", v.activity_list, name="portal_activity_list"),
    path("<int:pk>/", v.activity, name="portal_activity"),
    path("signup/<str:token>/", v.signup_status, name="portal_signup_status"),
]
