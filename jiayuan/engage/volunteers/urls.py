"""Staff pages of volunteers, under /engage/volunteers/."""

from django.urls import path

from jiayuan.engage.volunteers import views as v

urlpatterns = [
    path("", v.volunteer_list, name="volunteer_list"),
    path("new/", v.volunteer_new, name="volunteer_new"),
    path("new/people/", v.volunteer_person_search, name="volunteer_person_search"),
    path("hours/", v.hours_claims, name="hours_claims"),
    path("hours/<int:pk>/approve/", v.hours_claim_approve, name="hours_claim_approve"),
    path("hours/<int:pk>/reject/", v.hours_claim_reject, name="hours_claim_reject"),
    path("<int:pk>/", v.volunteer_detail, name="volunteer_detail"),
    path("<int:pk>/edit/", v.volunteer_edit, name="volunteer_edit"),
    path("<int:pk>/hours/", v.volunteer_hours_add, name="volunteer_hours_add"),
    path("<int:pk>/claims/", v.volunteer_claim_add, name="volunteer_claim_add"),
    path("<int:pk>/hours/<int:entry>/reverse/", v.volunteer_entry_reverse,
         name="volunteer_entry_reverse"),
    path("<int:pk>/areas/", v.volunteer_area_add, name="volunteer_area_add"),
    path("<int:pk>/areas/<int:area>/remove/", v.volunteer_area_remove,
         name="volunteer_area_remove"),
    path("<int:pk>/consent/", v.volunteer_consent, name="volunteer_consent"),
    path("<int:pk>/link/", v.volunteer_link_renew, name="volunteer_link_renew"),
    path("<int:pk>/report/", v.volunteer_report, name="volunteer_report"),
    path("<int:pk>/certificates/", v.volunteer_certificate_issue,
         name="volunteer_certificate_issue"),
    path("<int:pk>/certificates/<int:cert>/pdf/", v.volunteer_certificate_pdf,
         name="volunteer_certificate_pdf"),
    path("<int:pk>/certificates/<int:cert>/revoke/", v.volunteer_certificate_revoke,
         name="volunteer_certificate_revoke"),
]
