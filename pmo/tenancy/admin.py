from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from pmo.tenancy import services
from pmo.tenancy.models import Organization


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    """Platform operators create and deactivate organisations and restore deleted ones during the grace period;
    tenant content is not reachable from here."""

    list_display = [
        "slug",
        "name",
        "pmo_type",
        "time_zone",
        "default_language",
        "is_active",
        "deleted_at",
        "created_at",
    ]
    search_fields = ["slug", "name"]
    list_filter = ["pmo_type", "is_active", ("deleted_at", admin.EmptyFieldListFilter)]
    readonly_fields = ["deleted_at", "deleted_by"]
    actions = ["restore_organizations"]

    @admin.action(description=_("Restore the selected deleted organisations"))
    def restore_organizations(self, request: HttpRequest, queryset: QuerySet[Organization]) -> None:
        restored = 0
        for organization in queryset.filter(deleted_at__isnull=False):
            try:
                services.organization_restore(organization=organization)
            except ValidationError as exc:
                self.message_user(request, f"{organization.slug}: {' '.join(exc.messages)}", messages.ERROR)
            else:
                restored += 1
        self.message_user(request, _("%(count)d organisation(s) restored.") % {"count": restored}, messages.SUCCESS)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # A hard delete from here would skip the tenant-scoped purge and leave files behind: the purge task does it.
        return False
