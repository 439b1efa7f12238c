"""The reminder policy page ``/o/<org_slug>/reminders/``: this week's due times with when reminders and escalations
go out (organisation time zone), the dry run of what would be sent now (or at ``?at=``), and the policy form.

Leadership reads it (the preview names every project and its manager, hence ``PROJECTS_VIEW_ALL``); admins and the
PMO change the policy (``CONTROL_POLICY_MANAGE``); others get 403. A refused save renders the page again: 400 with
the field errors, 409 (input kept) when someone else saved first.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from functools import cached_property
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from pmo.tenancy.views_base import OrganizationViewMixin
from projects.views import add_service_errors
from reports.reminders import forms, selectors, services
from reports.reminders.permissions import MANAGE, VIEW


class ReminderPolicyView(OrganizationViewMixin, TemplateView):
    capability = VIEW
    nav_key = "reminders"
    template_name = "reports/reminders/policy.html"

    @cached_property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.organization.time_zone)

    @cached_property
    def moment(self) -> dt.datetime | None:
        raw = self.request.GET.get("at", "")
        if not raw:
            return None
        moment = selectors.parse_moment(raw, zone=self.zone)
        if moment is None:
            messages.error(self.request, _("Give the moment as a date and time, e.g. 2026-11-20 17:30."))
        return moment

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        data = super().get_context_data(**kwargs)
        policy = services.reminder_policy_get(organization=self.organization)
        can_manage = self.access.can(MANAGE)
        if can_manage and "form" not in data:
            data["form"] = forms.ReminderPolicyForm.for_policy(policy)
        preview = selectors.reminder_preview(organization=self.organization, policy=policy, now=self.moment)
        data.update(
            policy=policy,
            can_manage=can_manage,
            preview=preview,
            schedule=preview.schedule,
            at_value=(self.moment or timezone.now()).astimezone(self.zone).strftime("%Y-%m-%dT%H:%M"),
            at_given=self.moment is not None,
            time_zone=self.organization.time_zone,
        )
        return data

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not self.access.can(MANAGE):
            raise PermissionDenied
        form = forms.ReminderPolicyForm(request.POST)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form), status=400)
        try:
            services.reminder_policy_update(
                organization=self.organization,
                actor=request.user,
                version=form.cleaned_data["version"],
                **form.values(),
            )
        except services.ReminderPolicyStale:
            messages.error(
                request, _("Someone else changed the policy in the meantime. Your input is kept: save again to apply.")
            )
            current = services.reminder_policy_get(organization=self.organization)
            data = request.POST.copy()
            data["version"] = str(current.version)
            kept = forms.ReminderPolicyForm(data)
            kept.is_valid()
            return self.render_to_response(self.get_context_data(form=kept), status=409)
        except ValidationError as exc:
            add_service_errors(form, exc)
            return self.render_to_response(self.get_context_data(form=form), status=400)
        messages.success(request, _("Reminder policy saved."))
        return redirect("reminder-policy", org_slug=self.organization.slug)
