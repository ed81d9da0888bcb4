from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from participants.models import Invitation, Membership, User
from programmes.admin import CrossTenantAdmin


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "full_name", "is_active", "is_superuser"]
    search_fields = ["email", "full_name"]
    fieldsets = [
        (None, {"fields": ["email", "password", "full_name", "language"]}),
        (_("Permissions"), {"fields": ["is_active", "is_staff", "is_superuser"]}),
    ]
    add_fieldsets = [(None, {"fields": ["email", "full_name", "password1", "password2"]})]


@admin.register(Membership)
class MembershipAdmin(CrossTenantAdmin, admin.ModelAdmin):
    list_display = ["user", "organisation", "role", "country"]
    list_filter = ["organisation", "role"]
    search_fields = ["user__email", "user__full_name"]
    raw_id_fields = ["user"]


@admin.register(Invitation)
class InvitationAdmin(CrossTenantAdmin, admin.ModelAdmin):
    list_display = ["email", "organisation", "role", "status", "expires_at"]
    list_filter = ["organisation", "role", "status"]
    exclude = ["token_hash"]

    def has_add_permission(self, request) -> bool:
        # Invitations are made in the organisation's pages, which send the e-mail and check the
        # projects; one made here would have no link.
        return False
