from django.urls import path

from programmes.privacy import views

# -- The person's own pages
urlpatterns = [
    path("my-data/", views.my_data, name="my_data"),
    path("my-data/requests/", views.my_data_request, name="my_data_request"),
    # -- The organisation admin's pages
    path("privacy/requests/", views.privacy_requests, name="privacy_requests"),
    path("privacy/requests/<int:pk>/", views.privacy_request, name="privacy_request"),
    path("privacy/people/<int:user_id>/erase/", views.privacy_erase, name="privacy_erase"),
    path("privacy/audit/", views.privacy_audit, name="privacy_audit"),
    path("privacy/retention/", views.privacy_retention, name="privacy_retention"),
    path("privacy/register/", views.privacy_register, name="privacy_register"),
]
