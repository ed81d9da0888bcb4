"""What the API shows of each object: what its page shows, as JSON."""

from rest_framework import serializers

from matching.models import Meeting, Pairing
from participants.models import User
from programmes.models import Call, Project


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
                  "confirmed_by", "confirmed_at", "corrected"]
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

