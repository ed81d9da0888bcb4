"""Times the PDFs: a typical interim report, and a pairing dossier of about 100 pages in English
and in Arabic, each figure next to its goal. `make bench` runs it on a scratch SQLite database of
its own (it refuses a database that has data)."""

import io
import logging
import statistics
import time
from argparse import ArgumentParser
from datetime import date, timedelta

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from pypdf import PdfReader

from matching.models import ActivityPlan, Meeting, Pairing
from participants.models import User
from programmes.models import Organisation, Project
from reporting import selectors
from reporting.models import Report
from reporting.pdf import Rendered, document_html, run_renderer

START = date(2026, 1, 15)
PARAGRAPH = ("We traced the proceeds of two cases through three jurisdictions with the financial "
             "intelligence unit, and agreed how requests for information are sent and answered. ")
# Issue 13: a 100-page dossier peaked at 365 MB in its renderer.
PEAK_GOAL_MB = 300
LANGUAGES = {"en": "English", "ar": "Arabic"}


class Command(BaseCommand):
    help = "Times the render of an interim report and of a 100-page pairing dossier."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--repeat", type=int, default=1,
                            help="Renders of each dossier (the median time, the highest peak).")
        parser.add_argument("--no-baseline", action="store_true",
                            help="Skip the dossiers rendered with WeasyPrint's whole user-agent "
                                 "stylesheet (the figures the goals are measured against).")

    def handle(self, *args: object, **options: object) -> None:
        if User.objects.exists() or Organisation.objects.exists():
            raise CommandError("This database has data: run the benchmark on a scratch one "
                               "(make bench does).")
        repeat = int(str(options["repeat"]))
        logging.getLogger("reporting.pdf").setLevel(logging.WARNING)  # the figures come below
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
            html = document_html("reporting/pdf/report.html", {
                "pairing": pairing, "report": report, "meetings": selectors.meetings_of(report),
            }, organisation=pairing.organisation, language="en")
            rendered = run_renderer(html, organisation=pairing.organisation)
            times.append(time.perf_counter() - started)
        self.stdout.write(f"Interim report ({pages(rendered.pdf)} pages): median "
                          f"{statistics.median(times):.2f} s over 5 renders (each in its own "
                          f"process, start-up included); the renderer's peak memory "
                          f"{megabytes(rendered)}")
        # A dossier grows with the meeting log: about 100 pages.
        self._meetings(pairing, 2250)
        for language, name in LANGUAGES.items():
            started = time.perf_counter()
            html = document_html("reporting/pdf/dossier.html",
                                 selectors.dossier(pairing, contacts=True),
                                 organisation=pairing.organisation, language=language)
            took_html = time.perf_counter() - started
            variants = [True] if options["no_baseline"] else [False, True]
            runs: dict[bool, list[tuple[float, Rendered]]] = {True: [], False: []}
            for _ in range(repeat):  # alternated, so that a busy moment does not favour one
                for trimmed in variants:
                    started = time.perf_counter()
                    rendered = run_renderer(html, organisation=pairing.organisation,
                                            timeout=600, trimmed=trimmed)
                    runs[trimmed].append((time.perf_counter() - started, rendered))
            self._dossier_figures(name, took_html, runs)

    def _dossier_figures(self, name: str, took_html: float,
                         runs: dict[bool, list[tuple[float, Rendered]]]) -> None:
        def figures(trimmed: bool) -> tuple[int, float, float]:
            count = pages(runs[trimmed][0][1].pdf)
            seconds = statistics.median(took for took, _ in runs[trimmed])
            peak = max(rendered.peak_mb or 0 for _, rendered in runs[trimmed])
            return count, count / seconds, peak

        count, rate, peak = figures(True)
        size = len(runs[True][0][1].pdf) / 1e6
        self.stdout.write(f"Pairing dossier in {name} ({count} pages, {size:.1f} MB; its HTML "
                          f"{took_html:.1f} s), the renderer (start-up included, median of "
                          f"{len(runs[True])}):")
        verdict = "met" if peak < PEAK_GOAL_MB else "NOT MET"
        line = f"  peak memory {peak:5.0f} MB    goal < {PEAK_GOAL_MB} MB: {verdict}"
        if runs[False]:
            line += f"   (whole user-agent stylesheet: {figures(False)[2]:.0f} MB)"
        self.stdout.write(line)
        line = f"  speed       {rate:5.2f} pages/s"
        if runs[False]:
            base_count, base_rate, _ = figures(False)
            ratio = rate / base_rate
            verdict = "met" if ratio >= 1 else "NOT MET"
            line += (f"  goal >= 1x the whole stylesheet's {base_rate:.2f} pages/s: "
                     f"{ratio:.2f}x, {verdict}")
            if base_count != count:
                line += f" (but it gave {base_count} pages)"
        self.stdout.write(line)

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


def pages(pdf: bytes) -> int:
    return len(PdfReader(io.BytesIO(pdf)).pages)


def megabytes(rendered: Rendered) -> str:
    return f"{rendered.peak_mb:.0f} MB" if rendered.peak_mb is not None else "unknown"
