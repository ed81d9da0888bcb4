from django.urls import path

from programmes.privacy import views

# -- The person's own pages
urlpatterns = [
    path("my-data/", views.my_data, name="my_data"),
    path("my-data/requests/", views.my_data_request, name="my_data_request"),
]
