"""What the API shows of each object: what its page shows, as JSON."""

from rest_framework import serializers

from matching.meetings.selectors import ComplianceRow
from matching.models import ActivityPlan, Meeting, Pairing, PlannedVisit
from participants.models import Application, User
from programmes.models import Call, Project
from reporting.models import Report


def slugs(slug_field: str, *, many: bool = False) -> serializers.Field:
    """A related object (or several) by its name, code or address."""
    return serializers.SlugRelatedField(read_only=True, slug_field=slug_field, many=many)


class ProjectSerializer(serializers.ModelSerializer):
    thematic_areas = slugs("name", many=True)
    partner_countries = slugs("code", many=True)

    class Meta:
        model = Project
        fields = ["slug", "name", "kind", "region", "aim", "is_active", "thematic_areas",
                  "partner_countries", "duration_min_months", "duration_max_months",
                  "first_visit_within_months", "funded_visit_period_months",
                  "funded_visits_until_month", "online_meetings_per_month"]
        read_only_fields = fields


class CallSerializer(serializers.ModelSerializer):
    project = slugs("slug")
    invited_countries = slugs("code", many=True)
    thematic_areas = slugs("name", many=True)

    class Meta:
        model = Call
        fields = ["id", "project", "title", "role_sought", "status", "deadline", "opened_at",
                  "closed_at", "allow_self_nomination", "female_only", "places_per_country",
                  "min_years_of_service", "working_languages", "invited_countries",
                  "thematic_areas"]
        read_only_fields = fields


class PersonSerializer(serializers.ModelSerializer):
    class Meta:
        model = User
        fields = ["id", "full_name"]
        read_only_fields = fields


class PairingSerializer(serializers.ModelSerializer):
    project = slugs("slug")
    mentee = PersonSerializer(read_only=True)
    mentor = PersonSerializer(read_only=True)

    class Meta:
        model = Pairing
        fields = ["id", "project", "status", "mentee", "mentor", "overridden", "created_at"]
        read_only_fields = fields


class MeetingSerializer(serializers.ModelSerializer):
    """A meeting as its pairing's page lists it. Written through the page's own form (see
    api.views.MeetingList.post), so that the API refuses what the page refuses."""

    country = slugs("code")
    logged_by = PersonSerializer(read_only=True)
    confirmed_by = PersonSerializer(read_only=True)

    class Meta:
        model = Meeting
        fields = ["id", "pairing", "kind", "day", "duration_minutes", "topics", "notes", "city",
                  "country", "funded", "cost_amount", "cost_currency", "logged_by",
                  "confirmed_by", "confirmed_at", "corrected",
                  # The coordinator's review of a funded visit's claim (read only here).
                  "claim_status", "approved_amount", "claim_note"]
        read_only_fields = fields


class MeetingInputSerializer(serializers.Serializer):
    """What one logs: the fields of the meeting form, for the schema; the form checks them."""

    kind = serializers.ChoiceField(choices=Meeting.Kind.choices, default=Meeting.Kind.ONLINE)
    day = serializers.DateField()
    duration_minutes = serializers.IntegerField(min_value=1, max_value=24 * 60)
    topics = serializers.CharField(max_length=300)
    notes = serializers.CharField(required=False, allow_blank=True, max_length=5000)
    city = serializers.CharField(required=False, allow_blank=True, max_length=120)
    country = serializers.CharField(required=False, allow_blank=True,
                                    help_text="A country code, for a visit.")
    funded = serializers.BooleanField(required=False, default=False)
    cost_amount = serializers.DecimalField(max_digits=10, decimal_places=2, required=False,
                                           allow_null=True)
    cost_currency = serializers.CharField(required=False, allow_blank=True, max_length=3)



class PlannedVisitSerializer(serializers.ModelSerializer):
    class Meta:
        model = PlannedVisit
        fields = ["day", "place", "funded"]
        read_only_fields = fields


class PlanSerializer(serializers.ModelSerializer):
    visits = PlannedVisitSerializer(many=True, read_only=True)

    class Meta:
        model = ActivityPlan
        fields = ["version", "status", "objectives", "start", "duration_months",
                  "online_meetings_per_month", "visits", "mentee_signed_at", "mentor_signed_at",
                  "coordinator_comments"]
        read_only_fields = fields


class PeriodSerializer(serializers.Serializer):
    """A month (online meetings held) or a 3-month period (visits held and planned)."""

    number = serializers.IntegerField(source="period.number")
    first_day = serializers.DateField(source="period.first_day")
    last_day = serializers.DateField(source="period.last_day")
    held = serializers.IntegerField()
    planned = serializers.ListField(child=serializers.DateField())
    state = serializers.CharField()


class DeadlineSerializer(serializers.Serializer):
    due = serializers.DateField()
    late_after = serializers.DateField()
    state = serializers.CharField()
    held = serializers.DateField(allow_null=True)


class ComplianceSerializer(serializers.Serializer):
    """A pairing's compliance, as its page shows it (matching.meetings.compliance)."""

    months = PeriodSerializer(many=True)
    quarters = PeriodSerializer(many=True)
    first_visit = DeadlineSerializer()
    interim_report = DeadlineSerializer()
    narrative_report = DeadlineSerializer()
    late = serializers.ListField(child=serializers.CharField())


class PairingComplianceSerializer(serializers.Serializer):
    pairing = serializers.IntegerField()
    # None until a plan is approved.
    compliance = ComplianceSerializer(allow_null=True)


class ComplianceRowSerializer(serializers.Serializer):
    """A row of a project's compliance table."""

    pairing = serializers.IntegerField(source="pairing.pk")
    status = serializers.CharField(source="pairing.status")
    mentee = serializers.SerializerMethodField()
    mentor = serializers.SerializerMethodField()
    compliance = ComplianceSerializer(source="state", allow_null=True)
    to_confirm = serializers.IntegerField()

    def get_mentee(self, row: ComplianceRow) -> str:
        return row.pairing.mentee.full_name or row.pairing.mentee.email

    def get_mentor(self, row: ComplianceRow) -> str:
        return row.pairing.mentor.full_name or row.pairing.mentor.email


class ReportSerializer(serializers.ModelSerializer):
    submitted_by = PersonSerializer(read_only=True)
    reviewed_by = PersonSerializer(read_only=True)

    class Meta:
        model = Report
        fields = ["kind", "version", "status", "objectives", "what_worked", "difficulties",
                  "plan_changes", "outcomes_mentee_service", "outcomes_mentor_service",
                  "cooperation", "lessons", "recommendations", "meetings_held",
                  "submitted_by", "submitted_at", "reviewed_by", "reviewed_at",
                  "coordinator_comments"]
        read_only_fields = fields


class ApplicationSerializer(serializers.ModelSerializer):
    """An application as its reviewers see it (the CV itself stays on its page, where its
    download is recorded)."""

    country = slugs("code")
    thematic_area = slugs("name")
    has_cv = serializers.SerializerMethodField()

    class Meta:
        model = Application
        fields = ["id", "call", "full_name", "email", "agency", "rank", "country",
                  "thematic_area", "gender", "years_of_service", "years_of_experience",
                  "mentee_capacity", "motivation", "availability", "status", "submitted_at",
                  "decision_reason", "has_cv"]
        read_only_fields = fields

    def get_has_cv(self, application: Application) -> bool:
        return bool(application.cv)
