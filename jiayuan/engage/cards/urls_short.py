"""The short address in a contact card's QR code, at the site's top level (/c/)."""

from django.urls import path

from jiayuan.engage.cards import views_portal

urlpatterns = [
    path("<str:code>/", views_portal.card_short, name="card_short"),
]
