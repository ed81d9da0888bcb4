from django.urls import path

from reporting import views

urlpatterns = [
    path("pairings/<int:pk>/reports/<str:kind>/", views.report_edit, name="report_edit"),
    path("pairings/<int:pk>/reports/<str:kind>/autosave/", views.report_autosave,
         name="report_autosave"),
    path("pairings/<int:pk>/reports/<str:kind>/v<int:version>/", views.report_detail,
         name="report_detail"),
    path("pairings/<int:pk>/reports/<str:kind>/v<int:version>/review/", views.report_review,
         name="report_review"),
    path("pairings/<int:pk>/reports/<str:kind>/v<int:version>/pdf/", views.report_pdf,
         name="report_pdf"),
    path("pairings/<int:pk>/complete/", views.pairing_complete, name="pairing_complete"),
    path("pairings/<int:pk>/feedback/", views.feedback_edit, name="feedback_edit"),
    path("pairings/<int:pk>/certificate/<str:role>/", views.certificate_pdf,
         name="certificate_pdf"),
    path("pairings/<int:pk>/dossier/", views.dossier_request, name="dossier_request"),
    path("pairings/<int:pk>/self-assessment/<str:moment>/", views.self_assessment,
         name="self_assessment"),
    path("projects/<slug:slug>/competencies/", views.competencies, name="competencies"),
    path("projects/<slug:slug>/competencies/<int:pk>/", views.competency_edit,
         name="competency_edit"),
    path("projects/<slug:slug>/dashboard/", views.dashboard, name="dashboard"),
    path("projects/<slug:slug>/exports/", views.export_create, name="export_create"),
    path("my-data/export/", views.personal_data_export, name="personal_data_export"),
    path("exports/<int:pk>/", views.export_detail, name="export_detail"),
    path("exports/<int:pk>/download/", views.export_download, name="export_download"),
    path("settings/look/", views.branding, name="branding"),
    path("privacy/register.pdf", views.privacy_register_pdf, name="privacy_register_pdf"),
]
