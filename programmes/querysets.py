"""Querysets of tenant-owned rows, failing closed.

A tenant queryset knows whether it is scoped to one organisation. It is scoped when it came from
`for_org(organisation)`, from a filter that pins the organisation (`organisation=`,
`organisation_id=`, `organisation__in=`, `organisation__slug=`...: Django's own unique and
constraint checks filter the default manager that way), from a related manager or a prefetch
under a row of one organisation (`pairing.meetings.all()`: Django marks those querysets with the
parent as their `instance` hint), or from the explicit cross-tenant manager `Model.unscoped`.
Building an unscoped queryset is harmless; evaluating it (iteration, len, get, first, exists,
count, aggregate, update, delete, iterator...) raises `UnscopedTenantRead`, so a read that
forgot its organisation fails loudly instead of returning every organisation's rows. A missing
scope (`for_org(None)`) returns nothing rather than everything."""

from __future__ import annotations

from typing import Any, Self

from django.db import models
from django.db.models import Q

# Lookups that pin the organisation: the foreign key itself, its id, or a unique field of the
# organisation, compared for equality or membership.
_PINNING_FIELDS = {"organisation", "organisation_id"}
_ORGANISATION_KEYS = {"pk", "id", "slug"}
_PINNING_LOOKUPS = {"exact", "in"}


class UnscopedTenantRead(RuntimeError):
    """A read of tenant rows that names no organisation."""


def _pins_organisation(key: str) -> bool:
    first, *rest = key.split("__")
    if first not in _PINNING_FIELDS:
        return False
    if rest and rest[-1] in _PINNING_LOOKUPS:
        rest = rest[:-1]
    if not rest:
        return True
    return first == "organisation" and len(rest) == 1 and rest[0] in _ORGANISATION_KEYS


def _q_pins_organisation(q: Q) -> bool:
    if q.negated or q.connector != Q.AND:
        return False
    for child in q.children:
        if isinstance(child, Q):
            if _q_pins_organisation(child):
                return True
        elif isinstance(child, tuple) and _pins_organisation(child[0]):
            return True
    return False


class TenantQuerySet(models.QuerySet):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._tenant_scoped = False

    def for_org(self, organisation: models.Model | None) -> Self:
        """The rows of this organisation (programmes.models.Organisation)."""
        if organisation is None or organisation.pk is None:
            return self.none()
        return self.filter(organisation=organisation)

    # -- how the scope is tracked ----------------------------------------------------------

    def _clone(self) -> Self:
        clone = super()._clone()  # type: ignore[misc]  # Django's own, not in the stubs
        clone._tenant_scoped = self._tenant_scoped
        return clone

    def _filter_or_exclude_inplace(self, negate: bool, args: Any, kwargs: Any) -> None:
        super()._filter_or_exclude_inplace(negate, args, kwargs)  # type: ignore[misc]
        if not negate and (any(_pins_organisation(key) for key in kwargs)
                           or any(isinstance(q, Q) and _q_pins_organisation(q) for q in args)):
            self._tenant_scoped = True

    def __and__(self, other: Any) -> Self:
        combined = super().__and__(other)
        if isinstance(combined, TenantQuerySet) and combined is not self and combined is not other:
            combined._tenant_scoped = self._is_scoped() or other._is_scoped()
        return combined

    def __or__(self, other: Any) -> Self:
        combined = super().__or__(other)
        if isinstance(combined, TenantQuerySet) and combined is not self and combined is not other:
            combined._tenant_scoped = self._is_scoped() and other._is_scoped()
        return combined

    def __xor__(self, other: Any) -> Self:
        combined = super().__xor__(other)
        if isinstance(combined, TenantQuerySet) and combined is not self and combined is not other:
            combined._tenant_scoped = self._is_scoped() and other._is_scoped()
        return combined

    def _combinator_query(self, combinator: str, *other_qs: Any, all: bool = False) -> Self:
        combined = super()._combinator_query(  # type: ignore[misc]  # Django's own
            combinator, *other_qs, all=all)
        combined._tenant_scoped = self._is_scoped() and _all_scoped(other_qs)
        return combined

    def _is_scoped(self) -> bool:
        if self._tenant_scoped or self.query.is_empty():
            return True
        # A related manager or a prefetch under a row of one organisation.
        parent = self._hints.get("instance")  # type: ignore[attr-defined]  # Django's own
        return parent is not None and getattr(parent, "organisation_id", None) is not None

    def _check_scope(self) -> None:
        if not self._is_scoped():
            name = self.model.__name__
            raise UnscopedTenantRead(
                f"An unscoped read of {name}: start from {name}.objects.for_org(organisation) "
                f"or, for a read that must cross organisations, name {name}.unscoped."
            )

    # -- what evaluates ----------------------------------------------------------------------

    def _fetch_all(self) -> None:
        if self._result_cache is None:
            self._check_scope()
        super()._fetch_all()

    def iterator(self, chunk_size: int | None = None) -> Any:
        self._check_scope()
        return super().iterator(chunk_size)

    async def aiterator(self, chunk_size: int = 2000) -> Any:
        self._check_scope()
        async for row in super().aiterator(chunk_size):
            yield row

    def count(self) -> int:
        if self._result_cache is None:
            self._check_scope()
        return super().count()

    def exists(self) -> bool:
        if self._result_cache is None:
            self._check_scope()
        return super().exists()

    def aggregate(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        self._check_scope()
        return super().aggregate(*args, **kwargs)

    def update(self, **kwargs: Any) -> int:
        self._check_scope()
        return super().update(**kwargs)

    def delete(self) -> tuple[int, dict[str, int]]:
        self._check_scope()
        return super().delete()

    def explain(self, *, format: str | None = None, **options: Any) -> str:
        self._check_scope()
        return super().explain(format=format, **options)


def _all_scoped(querysets: Any) -> bool:
    return all(not isinstance(qs, TenantQuerySet) or qs._is_scoped() for qs in querysets)


class CrossTenantManager(models.Manager):
    """The explicit cross-tenant manager (`Model.unscoped`, made with `from_queryset` of the
    model's own queryset), for the few reads that must cross organisations; the lint allows it
    only in the modules it lists. Its querysets are marked as deliberately crossing."""

    def get_queryset(self) -> models.QuerySet:
        queryset = super().get_queryset()
        if isinstance(queryset, TenantQuerySet):
            queryset._tenant_scoped = True
        return queryset


class ProjectQuerySet(TenantQuerySet):
    def active(self) -> Self:
        return self.filter(is_active=True)
