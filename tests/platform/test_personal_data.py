"""The register of processing (programmes/privacy/register.py) covers every model and every
field that can hold personal data: a model that gains a text, e-mail, file, date or link to a
person without saying whether it is personal fails here."""

import pytest
from django.apps import apps
from django.db import models

from participants.models import User
from programmes.privacy import register

APPS = ["programmes", "participants", "matching", "reporting"]
MODELS = [model for app in APPS for model in apps.get_app_config(app).get_models()]
# Every tenant row has these: its organisation and when it was made and last changed.
COMMON = {"id", "organisation", "created_at", "updated_at"}
KINDS = (models.CharField, models.TextField, models.FileField, models.DateField,
         models.JSONField, models.BinaryField, models.GenericIPAddressField)


def can_hold_personal_data(field: models.Field) -> bool:
    if field.name in COMMON:
        return False
    if field.is_relation:
        return field.related_model is User
    return isinstance(field, KINDS)


def test_every_model_of_the_apps_is_in_the_register():
    assert [m.__name__ for m in MODELS if register.entry_for(m) is None] == []


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_every_field_that_can_hold_personal_data_is_declared_either_way(model):
    entry = register.entry_for(model)
    assert entry is not None
    undeclared = [field.name for field in model._meta.concrete_fields
                  if can_hold_personal_data(field)
                  and field.name not in entry.personal and field.name not in entry.not_personal]
    assert undeclared == [], f"{model.__name__}: declare {undeclared} in the register"
    assert set(entry.personal) & entry.not_personal == set()


def test_a_model_with_personal_fields_says_whose_they_are():
    """Without a subject, nobody's export or erasure would find the rows."""
    assert [entry.key for entry in register.entries()
            if entry.personal and not entry.subject] == []


def test_every_use_has_a_purpose_a_basis_recipients_and_a_retention():
    for entry in register.entries():
        for name, use in entry.personal.items():
            assert str(use.purpose) and str(use.recipients), (entry.key, name)
            assert use.basis in register.BASIS_TEXT and use.retention in register.RETENTION_TEXT
