from django.contrib import admin

from pmo.tenancy.models import Organization


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    """Platform operators create and deactivate organisations; tenant content is not reachable from here."""

    list_display = ["slug", "name", "pmo_type", "time_zone", "default_language", "is_active", "created_at"]
    search_fields = ["slug", "name"]
    list_filter = ["pmo_type", "is_active"]
