"""The calendar feed: the ``.ics`` file a calendar application polls (``/feeds/<token>.ics``, no session), and the
page where a member finds their address, chooses its projects and resets it (``/o/<org_slug>/calendar-feed/``)."""

from __future__ import annotations

import hashlib
import zoneinfo
from typing import Any

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect
from django.utils import timezone, translation
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_safe
from django.views.generic import TemplateView

from pmo.calendars import selectors, services
from pmo.calendars.ical import render_calendar
from pmo.calendars.models import CalendarFeed
from pmo.tenancy.views_base import OrganizationViewMixin

# Calendar applications poll every few hours at best (Google: 8-24 h); a cache in between may hold it this long.
FEED_MAX_AGE = 15 * 60


@require_safe
def feed_ics(request: HttpRequest, token: str) -> HttpResponseBase:
    """The feed, as its owner may see it now; 404 alike for every token that does not open a feed."""
    try:
        found = services.calendar_feed_open(token)
    except services.FeedNotFound:
        raise Http404 from None
    organization = found.access.organization
    language = found.feed.user.language or organization.default_language
    with translation.override(language), timezone.override(zoneinfo.ZoneInfo(organization.time_zone)):
        events = selectors.feed_events(access=found.access, scope=found.feed.scope)
        name = _("PMO · %(organization)s") % {"organization": organization.name}
        description = str(CalendarFeed.Scope(found.feed.scope).label)
        # The entity tag covers what the file says, not when it was written (DTSTAMP changes on every fetch).
        content = repr((events, name, description, organization.time_zone)).encode()
        etag = f'"{hashlib.sha256(content).hexdigest()[:32]}"'
        not_modified = get_conditional_response(request, etag=etag)
        if not_modified is not None:
            response: HttpResponseBase = not_modified
        else:
            body = render_calendar(
                events=events,
                name=name,
                description=description,
                time_zone=organization.time_zone,
                feed_uid=f"feed-{found.feed.pk}",
                stamp=timezone.now(),
            )
            response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
            response["Content-Disposition"] = f'inline; filename="{organization.slug}.ics"'
    response["ETag"] = etag
    patch_cache_control(response, private=True, max_age=FEED_MAX_AGE)
    response["X-Content-Type-Options"] = "nosniff"
    return response


class FeedScopeForm(forms.Form):
    scope = forms.ChoiceField(
        label=gettext_lazy("Projects in the feed"), choices=CalendarFeed.Scope.choices, widget=forms.RadioSelect
    )


class CalendarFeedPageView(OrganizationViewMixin, TemplateView):
    """Every member's page: the address (shown again at any time), how to subscribe in Outlook, Google and Apple
    Calendar, which projects it covers, and "Reset link" (the old address stops working)."""

    template_name = "calendars/feed.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        data = super().get_context_data(**kwargs)
        feed = services.calendar_feed_get_or_create(organization=self.organization, user=self.request.user)
        data.update(
            feed=feed,
            feed_url=services.calendar_feed_url(feed),
            form=kwargs.get("form") or FeedScopeForm(initial={"scope": feed.scope}),
        )
        return data

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.POST.get("action") == "reset":
            services.calendar_feed_reset(organization=self.organization, user=request.user)
            messages.success(request, _("The calendar link was reset: the old link no longer works."))
            return redirect("calendar-feed", org_slug=self.organization.slug)
        form = FeedScopeForm(request.POST)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form), status=400)
        services.calendar_feed_set_scope(
            organization=self.organization, user=request.user, scope=form.cleaned_data["scope"]
        )
        label = CalendarFeed.Scope(form.cleaned_data["scope"]).label
        messages.success(request, _("Saved. The calendar feed shows: %(scope)s.") % {"scope": label})
        return redirect("calendar-feed", org_slug=self.organization.slug)
