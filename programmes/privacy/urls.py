from django.urls import path

from programmes.privacy import views

# -- The organisation admin's pages
urlpatterns = [
    path("privacy/requests/", views.privacy_requests, name="privacy_requests"),
    path("privacy/requests/<int:pk>/", views.privacy_request, name="privacy_request"),
    path("privacy/people/<int:user_id>/erase/", views.privacy_erase, name="privacy_erase"),
    path("privacy/audit/", views.privacy_audit, name="privacy_audit"),
]
