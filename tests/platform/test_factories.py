"""Every concrete model of the four apps has a factory, and each factory, given nothing, builds
a valid row inside one organisation: its parents and the people it names belong to the
organisation the row belongs to."""

import inspect

import factory
import pytest
from django.apps import apps
from django.db import models

from participants.models import Membership, User
from programmes.models import Organisation, TenantModel
from tests import factories

APPS = ["programmes", "participants", "matching", "reporting"]
FACTORIES = {
    cls._meta.model: cls
    for cls in vars(factories).values()
    if inspect.isclass(cls) and issubclass(cls, factory.django.DjangoModelFactory)
    and cls._meta.model is not None
}
MODELS = [model for app in APPS for model in apps.get_app_config(app).get_models()]


def organisation_of(row: models.Model) -> Organisation | None:
    if isinstance(row, TenantModel):
        return row.organisation
    content_object = getattr(row, "content_object", None)  # guardian's object permissions
    return content_object.organisation if content_object is not None else None


def test_every_model_of_the_apps_has_a_factory():
    assert [m.__name__ for m in MODELS if m not in FACTORIES] == []


@pytest.mark.parametrize("model", MODELS, ids=lambda model: model.__name__)
def test_a_factory_builds_a_valid_row_inside_one_organisation(db, model):
    row = FACTORIES[model]()
    # A field the database allows empty (an invitation's author, gone with their account) may
    # stay empty, though a form would ask for it.
    row.full_clean(exclude=[f.name for f in model._meta.concrete_fields
                            if f.null and getattr(row, f.attname) is None])
    assert model._base_manager.filter(pk=row.pk).exists()
    organisation = organisation_of(row)
    for field in model._meta.concrete_fields:
        if not field.is_relation or field.name == "organisation":
            continue
        related = getattr(row, field.name)
        if isinstance(related, TenantModel):
            assert related.organisation == organisation, field.name
        elif isinstance(related, User) and organisation is not None:
            assert Membership.unscoped.filter(organisation=organisation, user=related).exists(), \
                f"{field.name} is no member of {organisation}"


def test_a_child_made_for_a_parent_takes_the_parents_organisation(db):
    pairing = factories.PairingFactory()
    other = factories.OrganisationFactory()
    assert other != pairing.organisation
    for child in (factories.MeetingFactory(pairing=pairing),
                  factories.ReportFactory(pairing=pairing),
                  factories.FeedbackFactory(pairing=pairing),
                  factories.ReminderFactory(pairing=pairing),
                  factories.PairingEventFactory(pairing=pairing),
                  factories.PlannedVisitFactory(plan=factories.ActivityPlanFactory(
                      pairing=pairing))):
        assert child.organisation == pairing.organisation, type(child).__name__
    # Each new plan of a pairing is its next version (one plan above, for the visit).
    plans = [factories.ActivityPlanFactory(pairing=pairing) for _ in range(2)]
    assert [plan.version for plan in plans] == [2, 3]
