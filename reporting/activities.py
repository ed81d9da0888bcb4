"""The programme activities the dashboard and the highlights report show: those held in the
period the dashboard's filter gives (its "starting from" and "starting until" days), counted by
participants.activities.selectors.activity_figures."""

from django import forms

from participants.activities.selectors import ActivityFigures, activity_figures
from programmes.models import Project


def period_activity_figures(project: Project, form: forms.Form) -> ActivityFigures:
    """The figures for the filter's period; the whole life of the project without one (or with
    a filter that is not valid: then the page shows no pairing figures either)."""
    data = form.cleaned_data if form.is_bound and form.is_valid() else {}
    return activity_figures(project=project, start=data.get("start_from"),
                            end=data.get("start_to"))
