"""Querysets of tenant-owned rows. Every read in a view starts from `for_org(organisation)`; a
missing scope returns nothing rather than everything."""

from __future__ import annotations

from typing import TYPE_CHECKING, Self

from django.db import models

if TYPE_CHECKING:
    from programmes.models import Organisation


class TenantQuerySet(models.QuerySet):
    def for_org(self, organisation: Organisation | None) -> Self:
        if organisation is None or organisation.pk is None:
            return self.none()
        return self.filter(organisation=organisation)


class ProjectQuerySet(TenantQuerySet):
    def active(self) -> Self:
        return self.filter(is_active=True)
