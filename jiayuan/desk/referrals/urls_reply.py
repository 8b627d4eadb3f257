"""The department's reply page, at /reply/<token>/: opened by the signed link in
the referral letter, no account needed."""

from django.urls import path

from jiayuan.desk.referrals import views as v

urlpatterns = [
    path("<str:token>/", v.referral_reply, name="referral_reply"),
]
