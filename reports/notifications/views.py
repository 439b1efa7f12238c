"""Pages under ``/o/<org_slug>/``: the inbox (``inbox/``: the user's own notifications, mark read, open), the
e-mail preferences (``inbox/preferences/``) and the webhooks (``webhooks/``: list, create, edit, delete, the
delivery log with "resend", "send test event", "rotate secret"; WEBHOOKS_MANAGE).

Thin views: lookups are scoped to the organisation (and, in the inbox, to the user: another user's notification is
404), one service per POST; a refused step renders the page again with the reason (400 bad input, 409 stale).
"""

from __future__ import annotations

from functools import cached_property
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from pmo.core.exports import Column, ExportableListMixin
from pmo.core.listing import filter_errors, filter_values
from pmo.tenancy.roles import Capability
from pmo.tenancy.views_base import OrganizationViewMixin
from projects.services import ProjectsConflict
from reports.models import Delivery, NotificationKind, Webhook
from reports.notifications import forms, selectors, services, webhooks
from reports.notifications.delivery import digest_hour_of
from reports.notifications.messages import message_for

INBOX_PAGE_SIZE = 25
DELIVERY_PAGE_SIZE = 25
SECRET_SESSION_KEY = "webhook_secret_once"  # noqa: S105 - the session key, not a secret


def _page(request: HttpRequest, rows: Any, size: int) -> Any:
    return Paginator(rows, size).get_page(request.GET.get("page"))


def _query(data: dict[str, Any]) -> str:
    return urlencode({key: value for key, value in data.items() if value})


def _add_errors(form: Any, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


# --- Inbox -------------------------------------------------------------------------------------------------------


class InboxMixin(OrganizationViewMixin):
    nav_key = "inbox"
    request: HttpRequest

    def back(self) -> HttpResponseRedirect:
        target = self.request.POST.get("next", "")
        inbox = reverse("inbox", kwargs={"org_slug": self.organization.slug})
        if not url_has_allowed_host_and_scheme(target, allowed_hosts=None) or not target.startswith(inbox):
            target = inbox
        return HttpResponseRedirect(target)


class InboxView(InboxMixin, ExportableListMixin, TemplateView):
    """The user's notifications, unread first then newest, each rendered in the viewer's language;
    ``?format=csv|xlsx`` answers the filtered list (every page) as a file."""

    template_name = "reports/notifications/inbox.html"
    export_name = "inbox"

    @cached_property
    def filter_form(self) -> forms.InboxFilterForm:
        return forms.InboxFilterForm(self.request.GET or None)

    @cached_property
    def filters(self) -> tuple[str, str]:
        """``(show, kind)``: what the valid filters ask for (everything while one of them is wrong)."""
        values = filter_values(self.filter_form)
        return values.get("show") or "all", values.get("kind") or ""

    def notifications(self) -> Any:
        show, kind = self.filters
        return selectors.inbox_of(
            organization=self.organization, user=self.request.user, unread_only=show == "unread", kind=kind
        )

    def export_errors(self) -> dict[str, list[str]] | None:
        return filter_errors(self.filter_form)

    def export_rows(self) -> Any:
        return ((notification, message_for(notification)) for notification in self.notifications())

    def export_columns(self) -> list[Column]:
        return [
            Column(_("Received"), lambda row: row[0].created_at, 17),
            Column(_("Severity"), lambda row: row[0].get_severity_display(), 10),
            Column(_("Kind"), lambda row: row[0].get_kind_display(), 22),
            Column(_("Title"), lambda row: row[1].title, 50),
            Column(_("Message"), lambda row: row[1].body, 60),
            Column(_("Read"), lambda row: row[0].read_at, 17),
            Column(_("Link"), lambda row: row[0].url, 40),
        ]

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        data = super().get_context_data(**kwargs)
        show, kind = self.filters
        user = self.request.user
        page = _page(self.request, self.notifications(), INBOX_PAGE_SIZE)
        data.update(
            filter_form=self.filter_form,
            show=show,
            kind=kind,
            filtered=show != "all" or bool(kind),
            page=page,
            items=[(notification, message_for(notification)) for notification in page.object_list],
            query=_query({"show": show if show != "all" else "", "kind": kind}),
            unread_total=selectors.unread_count(organization=self.organization, user=user),
            here=self.request.get_full_path(),
        )
        return data


class NotificationReadView(InboxMixin, View):
    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        notification = selectors.notification_get_for_user(
            organization=self.organization, user=request.user, pk=kwargs["pk"]
        )
        services.notification_mark_read(organization=self.organization, actor=request.user, notification=notification)
        return self.back()


class NotificationsReadAllView(InboxMixin, View):
    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        changed = services.notifications_mark_all_read(organization=self.organization, actor=request.user)
        if changed:
            messages.success(request, _("All notifications are marked read."))
        return self.back()


class NotificationOpenView(InboxMixin, View):
    """Follow a notification's link, marking it read on the way (the link is a path inside the app)."""

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        notification = selectors.notification_get_for_user(
            organization=self.organization, user=request.user, pk=kwargs["pk"]
        )
        services.notification_mark_read(organization=self.organization, actor=request.user, notification=notification)
        target = notification.url
        if not target.startswith("/") or not url_has_allowed_host_and_scheme(target, allowed_hosts=None):
            target = reverse("inbox", kwargs={"org_slug": self.organization.slug})
        return HttpResponseRedirect(target)


class PreferencesView(InboxMixin, TemplateView):
    """Per kind: e-mail immediately, in the daily digest, or not at all (the inbox keeps everything)."""

    template_name = "reports/notifications/preferences.html"
    form: forms.PreferencesForm | None = None

    def current(self) -> dict[str, str]:
        return selectors.notification_preferences_of(organization=self.organization, user=self.request.user)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        data = super().get_context_data(**kwargs)
        data.update(
            form=self.form or forms.PreferencesForm(current=self.current()),
            delivery_choices=Delivery.choices,
            digest_hour=digest_hour_of(self.organization),
        )
        return data

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.form = forms.PreferencesForm(request.POST, current=self.current())
        if not self.form.is_valid():
            return self.render_to_response(self.get_context_data(), status=400)
        services.notification_preferences_set(
            organization=self.organization, actor=request.user, deliveries=self.form.cleaned_data
        )
        messages.success(request, _("Your e-mail preferences are saved."))
        return redirect("notification-preferences", org_slug=self.organization.slug)


# --- Webhooks ----------------------------------------------------------------------------------------------------


class WebhookMixin(OrganizationViewMixin):
    capability = Capability.WEBHOOKS_MANAGE
    nav_key = "webhooks"
    request: HttpRequest
    kwargs: dict[str, Any]

    def webhook(self) -> Webhook:
        return selectors.webhook_get(organization=self.organization, pk=self.kwargs["pk"])

    def detail(self, webhook: Webhook) -> HttpResponseRedirect:
        return redirect("webhook-detail", org_slug=self.organization.slug, pk=webhook.pk)

    def show_secret_once(self, webhook: Webhook, secret: str) -> None:
        self.request.session[SECRET_SESSION_KEY] = {"id": webhook.pk, "secret": secret}


class WebhookListView(WebhookMixin, TemplateView):
    template_name = "reports/notifications/webhook_list.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        data = super().get_context_data(**kwargs)
        labels = dict(NotificationKind.choices)
        rows = list(selectors.webhooks_of(organization=self.organization))
        for webhook in rows:
            webhook.kind_labels = [labels[kind] for kind in webhook.kinds if kind in labels]
        data["webhooks"] = rows
        return data


class WebhookFormView(WebhookMixin, TemplateView):
    """Create (no ``pk``) or edit a webhook; an edit carries the version it was read at (409 when stale)."""

    template_name = "reports/notifications/webhook_form.html"
    form: forms.WebhookForm | None = None

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        data = super().get_context_data(**kwargs)
        webhook = self.webhook() if "pk" in self.kwargs else None
        if self.form is None:
            initial = {}
            if webhook is not None:
                initial = {
                    "name": webhook.name,
                    "url": webhook.url,
                    "format": webhook.format,
                    "kinds": webhook.kinds,
                    "active": webhook.active,
                    "version": webhook.version,
                }
            self.form = forms.WebhookForm(initial=initial or None)
        data.update(form=self.form, webhook=webhook)
        return data

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        webhook = self.webhook() if "pk" in kwargs else None
        self.form = forms.WebhookForm(request.POST)
        if not self.form.is_valid():
            return self.render_to_response(self.get_context_data(), status=400)
        values = dict(self.form.cleaned_data)
        version = values.pop("version", None)
        try:
            if webhook is None:
                webhook, secret = services.webhook_create(organization=self.organization, actor=request.user, **values)
                self.show_secret_once(webhook, secret)
                messages.success(request, _("The webhook is created. Copy its secret now: it is shown only once."))
            else:
                webhook = services.webhook_update(
                    organization=self.organization, actor=request.user, webhook=webhook, version=version, **values
                )
                messages.success(request, _("The webhook is saved."))
        except ValidationError as exc:
            _add_errors(self.form, exc)
            return self.render_to_response(self.get_context_data(), status=400)
        except ProjectsConflict as exc:
            messages.error(request, str(exc))
            return self.render_to_response(self.get_context_data(), status=409)
        return self.detail(webhook)


class WebhookDetailView(WebhookMixin, TemplateView):
    """The webhook, its secret right after creation or rotation (once), and its delivery log."""

    template_name = "reports/notifications/webhook_detail.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        data = super().get_context_data(**kwargs)
        webhook = self.webhook()
        form = forms.DeliveryFilterForm(self.request.GET or None)
        state = form.cleaned_data["state"] if form.is_valid() else ""
        rows = selectors.deliveries_of_webhook(organization=self.organization, webhook=webhook, state=state)
        once = self.request.session.get(SECRET_SESSION_KEY)
        secret = ""
        if once and once.get("id") == webhook.pk:
            secret = once.get("secret", "")
            del self.request.session[SECRET_SESSION_KEY]
        data.update(
            webhook=webhook,
            secret=secret,
            filter_form=form,
            page=_page(self.request, rows, DELIVERY_PAGE_SIZE),
            query=_query({"state": state}),
            kind_labels=[label for value, label in NotificationKind.choices if value in webhook.kinds],
            max_attempts=webhooks.MAX_ATTEMPTS,
        )
        return data


class WebhookDeleteView(WebhookMixin, TemplateView):
    template_name = "reports/notifications/webhook_delete.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        data = super().get_context_data(**kwargs)
        data["webhook"] = self.webhook()
        return data

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        webhook = self.webhook()
        services.webhook_delete(organization=self.organization, actor=request.user, webhook=webhook)
        messages.success(request, _("The webhook “%(name)s” is deleted.") % {"name": webhook.name})
        return redirect("webhook-list", org_slug=self.organization.slug)


class WebhookRotateSecretView(WebhookMixin, View):
    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        webhook, secret = services.webhook_rotate_secret(
            organization=self.organization, actor=request.user, webhook=self.webhook()
        )
        self.show_secret_once(webhook, secret)
        messages.success(request, _("The secret is replaced; the old one no longer verifies. Copy the new one now."))
        return self.detail(webhook)


class WebhookTestView(WebhookMixin, View):
    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        webhook = self.webhook()
        services.webhook_send_test(organization=self.organization, actor=request.user, webhook=webhook)
        messages.success(request, _("A test event is on its way; its delivery appears in the log below."))
        return self.detail(webhook)


class WebhookDeliveryResendView(WebhookMixin, View):
    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        webhook = self.webhook()
        delivery = selectors.delivery_get(organization=self.organization, webhook=webhook, pk=kwargs["delivery_pk"])
        try:
            services.webhook_delivery_resend(organization=self.organization, actor=request.user, delivery=delivery)
        except ProjectsConflict as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("The event is sent again."))
        return self.detail(webhook)
