"""Staff pages of activities, under /engage/activities/."""

from django.urls import path

from jiayuan.engage.activities import views as v
from jiayuan.engage.activities import views_checkin as c

urlpatterns = [
    path("", v.activity_list, name="activity_list"),
    path("new/", v.activity_new, name="activity_new"),
    path("people/", v.activity_person_search, name="activity_person_search"),
    path("<int:pk>/", v.activity_detail, name="activity_detail"),
    path("<int:pk>/edit/", v.activity_edit, name="activity_edit"),
    path("<int:pk>/sessions/new/", v.session_new, name="session_new"),
    path("sessions/<int:pk>/", v.session_detail, name="session_detail"),
    path("sessions/<int:pk>/signup/", v.session_signup, name="session_signup"),
    path("sessions/<int:pk>/cancel/", v.session_cancel, name="session_cancel"),
    path("sessions/<int:pk>/signups/<int:signup>/cancel/", v.session_signup_cancel,
         name="session_signup_cancel"),
    path("sessions/<int:pk>/signups/<int:signup>/match/", v.session_signup_match,
         name="session_signup_match"),
    path("sessions/<int:pk>/signups/<int:signup>/match/people/", v.session_match_search,
         name="session_match_search"),
    path("sessions/<int:pk>/signups/<int:signup>/unmatch/", v.session_signup_unmatch,
         name="session_signup_unmatch"),
    path("sessions/<int:pk>/signups/<int:signup>/phone/", v.session_signup_phone,
         name="session_signup_phone"),
    path("sessions/<int:pk>/mark/", c.session_mark, name="session_mark"),
    path("sessions/<int:pk>/volunteers/", v.session_volunteer_add,
         name="session_volunteer_add"),
    path("sessions/<int:pk>/volunteers/<int:row>/served/", v.session_volunteer_served,
         name="session_volunteer_served"),
    path("checkin/<str:token>/", c.checkin, name="checkin"),
]
