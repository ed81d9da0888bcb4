from django.contrib import admin

from programmes.models import Country, Organisation, Project, ThematicArea


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["short_name", "name", "slug"]
    prepopulated_fields = {"slug": ["short_name"]}


@admin.register(Country)
class CountryAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "is_eu_member"]
    list_filter = ["is_eu_member"]
    search_fields = ["code", "name"]


class ThematicAreaInline(admin.TabularInline):
    model = ThematicArea
    fields = ["name"]
    extra = 0


@admin.register(Project)
class ProjectAdmin(admin.ModelAdmin):
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
