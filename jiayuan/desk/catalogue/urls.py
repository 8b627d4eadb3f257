"""The service catalogue, departments and partners, and the desk statistics (under /desk/)."""

from django.urls import path

from jiayuan.desk.catalogue import views as v

urlpatterns: list = [
    path("catalogue/", v.catalogue, name="catalogue"),
    path("catalogue/items/new/", v.item_create, name="catalogue_item_create"),
    path("catalogue/items/<int:pk>/edit/", v.item_edit, name="catalogue_item_edit"),
    path("catalogue/categories/new/", v.category_create, name="catalogue_category_create"),
    path("catalogue/categories/<int:pk>/edit/", v.category_edit,
         name="catalogue_category_edit"),
    path("departments/", v.department_list, name="department_list"),
    path("departments/new/", v.department_create, name="department_create"),
    path("departments/<int:pk>/edit/", v.department_edit, name="department_edit"),
    path("stats/", v.desk_stats, name="desk_stats"),
]
