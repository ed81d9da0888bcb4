from django.contrib import admin
from django.contrib.admin.options import InlineModelAdmin

from programmes.models import Country, Organisation, Project, ThematicArea


class CrossTenantAdmin:
    """The admin belongs to the platform's own staff (superusers), who work across
    organisations: it reads tenant rows, and offers related tenant rows as choices, through the
    explicit `unscoped` manager instead of the fail-closed default one."""

    def get_queryset(self, request):
        # Django's own get_queryset(), from the unscoped manager.
        queryset = self.model.unscoped.get_queryset()
        if ordering := self.get_ordering(request):
            queryset = queryset.order_by(*ordering)
        if isinstance(self, InlineModelAdmin) and not self.has_view_or_change_permission(request):
            queryset = queryset.none()
        return queryset

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if "queryset" not in kwargs and hasattr(db_field.related_model, "unscoped"):
            kwargs["queryset"] = db_field.related_model.unscoped.all()
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if "queryset" not in kwargs and hasattr(db_field.related_model, "unscoped"):
            kwargs["queryset"] = db_field.related_model.unscoped.all()
        return super().formfield_for_manytomany(db_field, request, **kwargs)


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["short_name", "name", "slug"]
    prepopulated_fields = {"slug": ["short_name"]}


@admin.register(Country)
class CountryAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "is_eu_member"]
    list_filter = ["is_eu_member"]
    search_fields = ["code", "name"]


class ThematicAreaInline(CrossTenantAdmin, admin.TabularInline):
    model = ThematicArea
    fields = ["name"]
    extra = 0


@admin.register(Project)
class ProjectAdmin(CrossTenantAdmin, admin.ModelAdmin):
    list_display = ["name", "organisation", "kind", "is_active"]
    list_filter = ["organisation", "kind", "is_active"]
    filter_horizontal = ["partner_countries"]
    inlines = [ThematicAreaInline]

    def save_formset(self, request, form, formset, change):
        for area in formset.save(commit=False):
            area.organisation = form.instance.organisation
            area.save()
        for area in formset.deleted_objects:
            area.delete()
