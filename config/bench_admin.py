"""The yardstick of `manage.py bench_pages`: Django's admin changelist of the coordinator's
pairings, 25 rows, the pairing list's columns, `list_select_related`. The platform does not
want pairings in its admin, so this site lives here only: the benchmark serves it through
its own URLconf (`urlpatterns` below: the app's URLs and this site), which no setting names."""

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import path

from config.urls import urlpatterns as app_urlpatterns
from matching.models import Pairing
from programmes.models import Project

URL = "/bench-admin/matching/pairing/"


class BenchAdminSite(admin.AdminSite):
    site_header = "Benchmark"

    def has_permission(self, request: HttpRequest) -> bool:
        return request.user.is_active and request.user.is_superuser


class PairingAdmin(admin.ModelAdmin):
    list_display = ["mentee_column", "mentor_column", "project", "thematic_area", "status",
                    "overridden"]
    list_select_related = ["project", "mentee", "mentor", "mentee_application__country",
                           "mentor_application__country", "mentee_application__thematic_area"]
    ordering = ["-created_at", "-pk"]
    list_per_page = 25
    # The pairings the coordinator sees: the benchmark's project (set by bench_pages).
    project: Project | None = None

    def get_queryset(self, request: HttpRequest) -> QuerySet[Pairing]:
        project = self.project
        if project is None:
            return Pairing.objects.none()
        return Pairing.objects.for_org(project.organisation).filter(project=project)

    @admin.display(description="mentee")
    def mentee_column(self, pairing: Pairing) -> str:
        application = pairing.mentee_application
        country = application.country.name if application else ""
        return f"{pairing.mentee} ({country})"

    @admin.display(description="mentor")
    def mentor_column(self, pairing: Pairing) -> str:
        application = pairing.mentor_application
        country = application.country.name if application else ""
        return f"{pairing.mentor} ({country})"

    @admin.display(description="thematic area")
    def thematic_area(self, pairing: Pairing) -> str:
        application = pairing.mentee_application
        return application.thematic_area.name if application else "-"


site = BenchAdminSite(name="bench_admin")
site.register(Pairing, PairingAdmin)

urlpatterns = [path("bench-admin/", site.urls), *app_urlpatterns]
