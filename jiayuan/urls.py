from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from jiayuan.core import views as core_views
from jiayuan.core import views_account, views_sessions, views_site, views_twofactor
from jiayuan.core.auth import LoginForm
from jiayuan.registry import views as hv
from jiayuan.registry import views_people as pv
from jiayuan.registry import views_search as sv
from jiayuan.reports import views_dashboard as dashboard_views

urlpatterns = [
    path("", dashboard_views.home, name="home"),  # the dashboard
    path("favicon.ico", views_site.favicon, name="favicon"),
    path("login/", auth_views.LoginView.as_view(
        template_name="core/login.html", authentication_form=LoginForm), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("account/password/", views_account.password_change, name="password_change"),
    path("account/sessions/", views_sessions.my_sessions, name="account_sessions"),
    path("account/api-tokens/", include("jiayuan.api.account.urls_pages")),
    path("account/keep-alive/", views_sessions.keepalive, name="session_keepalive"),
    # The second factor and "confirm it's you" (jiayuan.core.twofactor, reauth).
    path("account/two-factor/", views_twofactor.status, name="two_factor"),
    path("account/two-factor/code/", views_twofactor.verify, name="two_factor_verify"),
    path("account/two-factor/enrol/", views_twofactor.enrol, name="two_factor_enrol"),
    path("account/two-factor/recovery-codes/", views_twofactor.recovery_codes,
         name="two_factor_recovery"),
    path("account/two-factor/staff/", views_twofactor.staff, name="two_factor_staff"),
    path("account/two-factor/staff/<int:pk>/reset/", views_twofactor.staff_reset,
         name="two_factor_reset"),
    path("account/confirm/", views_twofactor.confirm, name="reauth_confirm"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("search/", sv.search_view, name="search"),
    path("households/", hv.household_list, name="household_list"),
    path("households/new/", hv.household_create, name="household_create"),
    path("households/pick/dwellings/", hv.dwelling_picks, name="dwelling_picks"),
    path("people/pick/origins/", hv.origin_picks, name="origin_picks"),
    path("households/<int:pk>/", hv.household_detail, name="household_detail"),
    path("households/<int:pk>/edit/", hv.household_edit, name="household_edit"),
    path("households/<int:pk>/move/", hv.household_move, name="household_move"),
    path("households/<int:pk>/move-out/", hv.household_move_out, name="household_move_out"),
    path("households/<int:pk>/print.pdf", hv.household_pdf, name="household_pdf"),
    path("households/<int:pk>/members/new/", pv.person_create, name="person_create"),
    path("households/<int:pk>/circumstances/new/", hv.circumstance_add,
         name="circumstance_add"),
    path("households/<int:pk>/circumstances/<int:cid>/end/", hv.circumstance_end,
         name="circumstance_end"),
    path("people/<int:pk>/", pv.person_detail, name="person_detail"),
    path("people/<int:pk>/edit/", pv.person_edit, name="person_edit"),
    path("people/<int:pk>/move/", pv.person_move, name="person_move"),
    path("people/<int:pk>/leave/", pv.person_leave, name="person_leave"),
    path("people/<int:pk>/reveal/<str:field>/", pv.person_reveal, name="person_reveal"),
    path("people/<int:pk>/consents/new/", pv.consent_add, name="consent_add"),
    path("people/<int:pk>/consents/<int:cid>/withdraw/", pv.consent_withdraw,
         name="consent_withdraw"),
    path("businesses/", include("jiayuan.registry.businesses.urls")),
    path("desk/", include("jiayuan.desk.urls")),
    path("care/", include("jiayuan.care.urls")),
    path("civic/", include("jiayuan.civic.urls")),
    path("portal/civic/", include("jiayuan.civic.urls_portal")),
    path("engage/", include("jiayuan.engage.urls")),
    path("portal/engage/", include("jiayuan.engage.urls_portal")),
    path("portal/", include("jiayuan.desk.portal.urls")),
    path("c/", include("jiayuan.engage.cards.urls_short")),  # the contact cards' QR codes
    path("reply/", include("jiayuan.desk.referrals.urls_reply")),
    path("sheets/", include("jiayuan.sheets.urls")),
    path("rights/", include("jiayuan.rights.urls")),
    path("api/", include("jiayuan.api.urls")),
    path("open311/v2/", include("jiayuan.api.open311.urls")),
    path("audit/", core_views.audit_log, name="audit_log"),
    path("", include("jiayuan.reports.urls")),
    path("admin/", admin.site.urls),
]
