from django.urls import URLPattern, URLResolver, path

from jiayuan.api.webhooks import views

urlpatterns: list[URLPattern | URLResolver] = [
    path("webhooks/", views.WebhookListView.as_view(), name="api_webhook_list"),
    path("webhooks/<str:pk>/", views.WebhookDetailView.as_view(), name="api_webhook_detail"),
    path("webhooks/<str:pk>/deliveries/", views.WebhookDeliveriesView.as_view(),
         name="api_webhook_deliveries"),
]
