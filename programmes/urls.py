from django.urls import path

from programmes import views

urlpatterns = [
    path("projects/", views.project_list, name="project_list"),
    path("projects/new/", views.project_create, name="project_create"),
    path("projects/<slug:slug>/", views.project_detail, name="project_detail"),
    path("projects/<slug:slug>/edit/", views.project_edit, name="project_edit"),
    path("projects/<slug:slug>/rules/", views.project_rules, name="project_rules"),
    path("projects/<slug:slug>/themes/", views.thematic_area_add, name="thematic_area_add"),
    path(
        "projects/<slug:slug>/themes/<int:pk>/remove/",
        views.thematic_area_remove,
        name="thematic_area_remove",
    ),
]

urlpatterns += [
    path("calls/", views.call_list, name="call_list"),
    path("calls/new/", views.call_create, name="call_create"),
    path("calls/<int:pk>/edit/", views.call_edit, name="call_edit"),
    path("calls/<int:pk>/open/", views.call_open, name="call_open"),
    path("calls/<int:pk>/close/", views.call_close, name="call_close"),
]
