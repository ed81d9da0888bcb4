"""Querysets of tenant-owned rows. Every read in a view starts from `for_org(organisation)`; a
missing scope returns nothing rather than everything."""

from __future__ import annotations

from typing import Self

from django.db import models


class TenantQuerySet(models.QuerySet):
    def for_org(self, organisation: models.Model | None) -> Self:
        """The rows of this organisation (programmes.models.Organisation)."""
        if organisation is None or organisation.pk is None:
            return self.none()
        return self.filter(organisation=organisation)


class ProjectQuerySet(TenantQuerySet):
    def active(self) -> Self:
        return self.filter(is_active=True)
