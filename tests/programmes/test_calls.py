"""The road to a shortlist through the test client: a focal point nominates, the candidate
joins and applies with a CV, the coordinator shortlists, the focal point sees it."""

import re

from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from participants.models import Application, Nomination, StatusChange
from tests.factories import pdf_bytes

PDF = pdf_bytes()


def test_the_road_to_a_shortlist(world, client_as, django_capture_on_commit_callbacks):
    fp = client_as(world.people["focal_point"])
    page = fp.get(reverse("call_detail", args=["cepol", world.call.pk]))
    assert page.status_code == 200, page.text[:500]
    assert "2 places left" in page.text
    with django_capture_on_commit_callbacks(execute=True):
        r = fp.post(reverse("nomination_create", args=["cepol", world.call.pk]), {
            "full_name": "Salma Idrissi", "email": "salma@police.ma", "agency": "DGSN",
            "rank": "Commissaire", "thematic_area": world.project.thematic_areas.get().pk,
            "languages": ["fr", "ar"]})
    assert r.status_code == 302, r.content[:3000]
    link = re.search(r"http://\S+(/invitations/\S+/)", mail.outbox[-1].body).group(1)
    cand = client_as(None)
    r = cand.post(link, {"full_name": "Salma Idrissi", "password1": "a-long-pass-word-9",
                         "password2": "a-long-pass-word-9"})
    assert r.status_code == 302
    cand.post(reverse("account_login"),
              {"login": "salma@police.ma", "password": "a-long-pass-word-9"})
    app = Application.unscoped.get()
    url = reverse("application_edit", args=["cepol", app.pk])
    assert cand.get(url).status_code == 200
    r = cand.post(url, {"full_name": "Salma Idrissi", "agency": "DGSN", "rank": "Commissaire",
                        "gender": "female", "years_of_service": 9, "years_of_experience": 5,
                        "motivation": "To learn.", "availability": "Weekdays",
                        "language_0": "fr", "level_0": "fluent", "submit": "1", "consent": "on",
                        "cv": SimpleUploadedFile("cv.pdf", PDF, content_type="application/pdf")})
    assert r.status_code == 302, r.content.decode()[:4000]
    app.refresh_from_db()
    assert app.status == "submitted"
    coord = client_as(world.people["coordinator"])
    lst = coord.get(reverse("application_list", args=["cepol", world.call.pk]))
    assert lst.status_code == 200 and "Salma Idrissi" in lst.text
    rev = coord.get(reverse("application_review", args=["cepol", app.pk]))
    assert rev.status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        r = coord.post(reverse("application_review", args=["cepol", app.pk]),
                       {"decision": "shortlisted", "reason": "Strong profile"})
    assert r.status_code == 302
    fp = client_as(world.people["focal_point"])
    page = fp.get(reverse("nomination_list", args=["cepol"]))
    assert "Shortlisted" in page.text
    assert StatusChange.unscoped.filter(application=app).count() == 3
    coord = client_as(world.people["coordinator"])
    cv = coord.get(reverse("application_cv", args=["cepol", app.pk]))
    assert cv["Content-Type"] == "application/pdf"
    assert cv.content.startswith(b"%PDF-")
    assert cv["Content-Disposition"] == 'attachment; filename="CV Salma Idrissi.pdf"'
    fp = client_as(world.people["focal_point"])
    assert fp.get(reverse("notification_list", args=["cepol"])).status_code == 200
    assert Nomination.unscoped.count() == 1


def test_a_fixed_duration_reads_as_one_number_not_a_range(world, client_as):
    """INTERPOL's pairings last 24 months, no more, no less: not "24 to 24 months"."""
    world.project.duration_min_months = world.project.duration_max_months = 24
    world.project.save()
    client = client_as(world.people["coordinator"])
    home = client.get(reverse("home", args=[world.org.slug])).text
    assert "Pairings last 24 months." in home and "24 to 24" not in home
    page = client.get(reverse("project_detail", args=[world.org.slug, world.project.slug])).text
    assert "24 months" in page and "24 to 24" not in page
    admin = client_as(world.people["admin"])
    listed = admin.get(reverse("project_list", args=[world.org.slug])).text
    assert "24\u201324" not in listed  # an en dash
