from django.urls import path

from jiayuan.engage.cards import views_portal

urlpatterns = [
    path("<str:code>/", views_portal.portal_card, name="portal_card"),
]
