from django.contrib import admin

from matching.models import Pairing, PairingEvent
from programmes.admin import CrossTenantAdmin


class PairingEventInline(CrossTenantAdmin, admin.TabularInline):
    model = PairingEvent
    readonly_fields = ("created_at", "from_status", "to_status", "by", "reason")
    fields = readonly_fields
    extra = 0
    can_delete = False


@admin.register(Pairing)
class PairingAdmin(CrossTenantAdmin, admin.ModelAdmin):
    """Read-only: pairings move through their services, which record every move."""

    list_display = ["mentor", "mentee", "project", "status", "score"]
    list_filter = ["organisation", "status"]
    inlines = [PairingEventInline]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
