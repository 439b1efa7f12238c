"""Security events in the Django admin, read-only: the site table (failed sign-ins for unknown addresses, address
lockouts) is seen only here, by staff. Organisation events are read on each organisation's audit page."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from pmo.audit.models import SiteSecurityEvent


@admin.register(SiteSecurityEvent)
class SiteSecurityEventAdmin(admin.ModelAdmin):
    list_display = ["created_at", "kind", "username", "user", "ip_address"]
    list_filter = ["kind", "created_at"]
    search_fields = ["username", "ip_address"]
    date_hierarchy = "created_at"
    list_select_related = ["user"]
    readonly_fields = ["kind", "created_at", "user", "username", "ip_address", "user_agent", "detail"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
