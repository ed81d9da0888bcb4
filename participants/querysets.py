from __future__ import annotations

from typing import Self

from django.utils import timezone

from programmes.querysets import TenantQuerySet


class MembershipQuerySet(TenantQuerySet):
    def with_role(self, *roles: str) -> Self:
        return self.filter(role__in=roles)


class InvitationQuerySet(TenantQuerySet):
    def pending(self) -> Self:
        return self.filter(status="pending", expires_at__gt=timezone.now())

    def expired_but_pending(self) -> Self:
        return self.filter(status="pending", expires_at__lte=timezone.now())


class ApplicationQuerySet(TenantQuerySet):
    def decided(self) -> Self:
        return self.filter(status__in=["shortlisted", "reserve", "declined"])
