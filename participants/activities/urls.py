from django.urls import path

from participants.activities import views

urlpatterns = [
    path("projects/<slug:slug>/activities/", views.activity_list, name="activity_list"),
    path("projects/<slug:slug>/activities/new/", views.activity_edit, name="activity_create"),
    path("projects/<slug:slug>/advisory-board/", views.advisory_board, name="advisory_board"),
    path("projects/<slug:slug>/advisory-board/<int:pk>/end/", views.board_member_end,
         name="board_member_end"),
    path("activities/<int:pk>/", views.activity_detail, name="activity_detail"),
    path("activities/<int:pk>/edit/", views.activity_edit, name="activity_edit"),
    path("activities/<int:pk>/invite/", views.activity_invite, name="activity_invite"),
    path("activities/<int:pk>/attendance/", views.activity_attendance,
         name="activity_attendance"),
    path("activities/<int:pk>/respond/", views.activity_respond, name="activity_respond"),
    path("activities/<int:pk>/documents/new/", views.document_add, name="activity_document_add"),
    path("activities/<int:pk>/documents/<int:document_pk>/", views.document_download,
         name="activity_document"),
    path("activities/<int:pk>/documents/<int:document_pk>/remove/", views.document_delete,
         name="activity_document_delete"),
    path("my-activities/", views.my_activities, name="my_activities"),
]
