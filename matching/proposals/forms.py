"""The matching page (a row per mentee, the proposed mentor changeable) and its settings."""

from itertools import combinations
from typing import cast

from django import forms
from django.utils.translation import gettext_lazy as _

from matching.models import explained
from matching.proposals import engine
from matching.proposals.selectors import Pool
from matching.proposals.services import CAPACITY_EXCEEDED
from matching.texts import Text
from programmes.models import Project, ThematicArea
from programmes.validators import CleanTextForm


class MatchingSettingsForm(CleanTextForm, forms.ModelForm):
    """The points of each term of the score, the programme's preference, and which thematic
    areas are close enough to mentor across (ticked pair by pair, so both directions agree)."""

    related_pairs = forms.MultipleChoiceField(
        label=_("Related thematic areas"), required=False, widget=forms.CheckboxSelectMultiple,
        help_text=_("A mentor of one area of a ticked pair may mentor in the other."),
    )

    class Meta:
        model = Project
        fields = ["weight_same_area", "weight_related_area", "weight_common_language",
                  "weight_seniority", "weight_preference", "preferred_mentor_gender"]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.areas = list(ThematicArea.objects.for_org(self.instance.organisation)
                          .filter(project=self.instance).prefetch_related("related_areas"))
        cast(forms.ChoiceField, self.fields["related_pairs"]).choices = [
            (f"{a.pk}-{b.pk}", f"{a.name} ↔ {b.name}") for a, b in combinations(self.areas, 2)
        ]
        self.fields["related_pairs"].initial = [
            f"{a.pk}-{b.pk}" for a, b in combinations(self.areas, 2)
            if b in a.related_areas.all()
        ]
        cast(forms.ChoiceField, self.fields["preferred_mentor_gender"]).choices = [
            ("", _("No preference")), *Project.MentorGender.choices
        ]

    def related_areas(self) -> dict[ThematicArea, list[ThematicArea]]:
        """Each area and the areas ticked as related to it (both ways)."""
        by_pk = {area.pk: area for area in self.areas}
        related: dict[ThematicArea, list[ThematicArea]] = {area: [] for area in self.areas}
        for value in self.cleaned_data["related_pairs"]:
            left, right = (by_pk[int(pk)] for pk in value.split("-"))
            related[left].append(right)
            related[right].append(left)
        return related


class MatchingForm(CleanTextForm, forms.Form):
    """One row per mentee of the pool: the mentor to pair them with (the engine's proposal
    unless the coordinator changes it, or nobody), and the reason for a pair that breaks a
    rule."""

    def __init__(self, *args, pool: Pool, result: engine.MatchResult, check_url: str = "",
                 **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.pool, self.result = pool, result
        self.proposed = {pair.mentee_id: pair for pair in result.pairs}
        mentor_choices = [("", _("Nobody for now"))] + [
            (str(a.pk), f"{a.full_name} · {a.country} · {a.thematic_area.name}")
            for a in pool.mentor_applications()
        ]
        for application in pool.mentee_applications():
            pair = self.proposed.get(application.pk)
            self.fields[f"mentor_{application.pk}"] = forms.ChoiceField(
                label=_("Mentor for %(name)s") % {"name": application.full_name},
                choices=mentor_choices, required=False,
                initial=str(pair.mentor_id) if pair else "",
                # With htmx, changing a mentor re-checks the page's pairs at once; without it,
                # the "Check my changes" button does the same. Spelled data-hx-* so that the page
                # stays valid HTML (see templates/base.html).
                widget=forms.Select(attrs={
                    "data-hx-post": check_url, "data-hx-trigger": "change",
                    "data-hx-target": "#matching-form", "data-hx-swap": "outerHTML",
                    "data-hx-vals": '{"action": "check"}',
                    # A second change cancels the first check, whose answer would be stale.
                    "data-hx-sync": "closest form:replace",
                } if check_url else {}),
            )
            self.fields[f"note_{application.pk}"] = forms.CharField(
                label=_("Why this pair anyway"), required=False, max_length=500,
            )

    def chosen(self) -> dict[int, int | None]:
        """Mentee application id → mentor application id, as the form now stands."""
        chosen: dict[int, int | None] = {}
        for application in self.pool.mentee_applications():
            if self.is_bound:
                # Reading `errors` validates the form once; a refused choice counts as nobody.
                value = self.cleaned_data.get(f"mentor_{application.pk}", "") \
                    if self.errors is not None else ""
            else:
                value = self.fields[f"mentor_{application.pk}"].initial
            chosen[application.pk] = int(value) if value else None
        return chosen

    def warnings(self) -> dict[int, list[Text]]:
        """Per mentee: the rules their chosen pair breaks, with mentors over their places."""
        chosen = self.chosen()
        load: dict[int, int] = {}
        for mentor_id in chosen.values():
            if mentor_id is not None:
                load[mentor_id] = load.get(mentor_id, 0) + 1
        warnings: dict[int, list[Text]] = {}
        for mentee_id, mentor_id in chosen.items():
            if mentor_id is None:
                continue
            mentee, mentor = self.pool.mentee(mentee_id), self.pool.mentor(mentor_id)
            if mentee is None or mentor is None:  # the choices hold only the pool
                continue
            broken = engine.broken_rules(mentee, mentor, self.pool.rules)
            if load[mentor_id] > mentor.capacity:
                broken.append(CAPACITY_EXCEEDED)
            if broken:
                warnings[mentee_id] = broken
        return warnings

    def clean(self) -> dict:
        super().clean()
        data = self.cleaned_data
        if self.errors:
            return data
        for mentee_id, broken in self.warnings().items():
            if not data.get(f"note_{mentee_id}", "").strip():
                self.add_error(f"note_{mentee_id}", _(
                    "This pair breaks a rule (%(rules)s): say why you make it anyway."
                ) % {"rules": "; ".join(explained(rule) for rule in broken)})
        return data

    def rows(self) -> list[dict]:
        """What the page shows for each mentee, in the pool's order."""
        warnings, chosen = self.warnings(), self.chosen()
        rows = []
        for application in self.pool.mentee_applications():
            pair = self.proposed.get(application.pk)
            mentor_id = chosen[application.pk]
            by_hand = mentor_id != (pair.mentor_id if pair else None)
            scored = None
            if mentor_id is not None and not warnings.get(application.pk):
                mentee, mentor = self.pool.mentee(application.pk), self.pool.mentor(mentor_id)
                if mentee is not None and mentor is not None:
                    scored = engine.pair_score(mentee, mentor, self.pool.rules,
                                               area_names=self.pool.area_names,
                                               language_names=self.pool.language_names)
            rows.append({
                "application": application,
                "mentor_field": self[f"mentor_{application.pk}"],
                "note_field": self[f"note_{application.pk}"],
                "proposed": pair,
                "proposed_mentor": self.pool.applications.get(pair.mentor_id) if pair else None,
                # Shown in full under the choice, which a narrow select cuts.
                "chosen_mentor": self.pool.applications.get(mentor_id) if mentor_id else None,
                "by_hand": by_hand,
                "score": scored[0] if scored else None,
                "explanation": scored[1] if scored else [],
                "warnings": warnings.get(application.pk, []),
                "unmatched": self.result.unmatched.get(application.pk) if mentor_id is None
                else None,
            })
        return rows
