"""Staff pages for referrals, under /desk/."""

from django.urls import path

from jiayuan.desk.referrals import views as v

urlpatterns = [
    path("cases/<int:pk>/referrals/new/", v.referral_new, name="referral_new"),
    path("referrals/", v.referral_list, name="referral_list"),
    path("referrals/<int:pk>/letter.pdf", v.referral_letter, name="referral_letter"),
    path("referrals/<int:pk>/withdraw/", v.referral_withdraw, name="referral_withdraw"),
]
