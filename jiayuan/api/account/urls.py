"""/api/v1/tokens/…: one's own API tokens (jiayuan.api.account.views)."""

from django.urls import URLPattern, URLResolver, path

from jiayuan.api.account import views

urlpatterns: list[URLPattern | URLResolver] = [
    path("tokens/", views.TokenListView.as_view(), name="api_token_list"),
    path("tokens/<int:pk>/", views.TokenDetailView.as_view(), name="api_token_revoke"),
]
