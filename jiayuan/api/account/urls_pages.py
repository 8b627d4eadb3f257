"""/account/api-tokens/ (jiayuan.urls mounts it): one's own API tokens."""

from django.urls import path

from jiayuan.api.account import views_pages

urlpatterns = [
    path("", views_pages.token_list, name="account_api_tokens"),
    path("new/", views_pages.token_new, name="account_api_token_new"),
]
