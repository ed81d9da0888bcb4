"""Times the PDFs: a typical interim report, and a pairing dossier of about 100 pages. `make
bench` runs it on a scratch SQLite database of its own (it refuses a database that has data)."""

import io
import resource
import statistics
import time
from datetime import date, timedelta

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from pypdf import PdfReader

from matching.models import ActivityPlan, Meeting, Pairing
from participants.models import User
from programmes.models import Organisation, Project
from reporting import selectors
from reporting.models import Report
from reporting.pdf import render_pdf

START = date(2026, 1, 15)
PARAGRAPH = ("We traced the proceeds of two cases through three jurisdictions with the financial "
             "intelligence unit, and agreed how requests for information are sent and answered. ")


class Command(BaseCommand):
    help = "Times the render of an interim report and of a 100-page pairing dossier."

    def handle(self, *args: object, **options: object) -> None:
        if User.objects.exists() or Organisation.objects.exists():
            raise CommandError("This database has data: run the benchmark on a scratch one "
                               "(make bench does).")
        pairing = self._pairing()
        report = Report.objects.create(
            organisation=pairing.organisation, pairing=pairing, kind="interim",
            status="submitted", submitted_by=pairing.mentee, submitted_at=timezone.now(),
            objectives=[{"objective": f"Objective {n}: trace criminal assets across borders.",
                         "progress": PARAGRAPH * 3} for n in range(1, 4)],
            what_worked=PARAGRAPH * 2, difficulties=PARAGRAPH, plan_changes=PARAGRAPH,
            meetings_held=[{"day": (START + timedelta(days=30 * n)).isoformat(),
                            "kind": "online", "minutes": 60, "topics": "Asset tracing",
                            "confirmed": True} for n in range(6)],
        )
        times = []
        for _ in range(5):
            started = time.perf_counter()
            pdf = render_pdf("reporting/pdf/report.html", {
                "pairing": pairing, "report": report, "meetings": selectors.meetings_of(report),
            }, organisation=pairing.organisation, language="en")
            times.append(time.perf_counter() - started)
        pages = len(PdfReader(io.BytesIO(pdf)).pages)
        median = statistics.median(times)
        self.stdout.write(f"Interim report ({pages} pages): median {median:.2f} s over 5 "
                          "renders (each in its own process, start-up included)")
        # A dossier grows with the meeting log: about 100 pages.
        self._meetings(pairing, 2250)
        started = time.perf_counter()
        pdf = render_pdf("reporting/pdf/dossier.html", selectors.dossier(pairing, contacts=True),
                         organisation=pairing.organisation, language="en", timeout=600)
        took = time.perf_counter() - started
        pages = len(PdfReader(io.BytesIO(pdf)).pages)
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        self.stdout.write(f"Pairing dossier ({pages} pages, {len(pdf) / 1e6:.1f} MB): "
                          f"{took:.1f} s; the renderer's peak memory {peak:.0f} MB")

    def _pairing(self) -> Pairing:
        organisation = Organisation.objects.create(name="Bench agency", short_name="Bench",
                                                   slug="bench")
        project = Project.objects.create(organisation=organisation, name="EUROMED Police",
                                         slug="euromed-police")
        mentee = User.objects.create(email="mentee@bench.test", full_name="Salma Idrissi")
        mentor = User.objects.create(email="mentor@bench.test", full_name="Claire Martin")
        pairing = Pairing.objects.create(organisation=organisation, project=project,
                                         mentee=mentee, mentor=mentor, status="active")
        ActivityPlan.objects.create(organisation=organisation, pairing=pairing, version=1,
                                    objectives="Trace assets.\nSet up a joint investigation.",
                                    start=START, duration_months=12, status="approved")
        return pairing

    def _meetings(self, pairing: Pairing, count: int) -> None:
        Meeting.objects.bulk_create([
            Meeting(organisation=pairing.organisation, pairing=pairing, logged_by=pairing.mentee,
                    day=START + timedelta(days=n % 330), duration_minutes=60,
                    topics="Asset tracing and financial intelligence",
                    notes="Went through the case file and the requests to send.")
            for n in range(count)
        ])
