from django.urls import path

from programmes.privacy import settings_views

urlpatterns = [
    path("privacy/retention/", settings_views.privacy_retention, name="privacy_retention"),
    path("privacy/register/", settings_views.privacy_register, name="privacy_register"),
]
