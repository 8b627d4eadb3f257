from django.urls import path

from jiayuan.engage.cards import views

urlpatterns = [
    path("", views.card_list, name="card_list"),
    path("links/new/", views.card_link_new, name="card_link_new"),
    path("links/<int:pk>/revoke/", views.card_link_revoke, name="card_link_revoke"),
    path("links/<int:pk>/preview.pdf", views.card_preview_pdf, name="card_preview_pdf"),
    path("batches/new/", views.card_batch_new, name="card_batch_new"),
    path("batches/<int:pk>/", views.card_batch_detail, name="card_batch_detail"),
    path("batches/<int:pk>/cards.pdf", views.card_batch_pdf, name="card_batch_pdf"),
]
