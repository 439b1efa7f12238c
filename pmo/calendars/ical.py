"""The feed as an iCalendar file (RFC 5545), written by the ``icalendar`` package.

What calendar applications rely on: ``PRODID`` and ``VERSION``; ``X-WR-CALNAME`` / ``NAME`` (the name Google,
Outlook and Apple show), ``X-WR-TIMEZONE`` and a ``VTIMEZONE`` of the organisation's zone for the timed events;
``REFRESH-INTERVAL`` and ``X-PUBLISHED-TTL`` (how often to poll); per event a stable ``UID`` (an update replaces
the event), ``DTSTAMP``, all-day ``DTSTART``/``DTEND`` as dates, and ``URL`` back to the page.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import icalendar
from icalendar.enums import TRANSP

from pmo.calendars.selectors import FeedEvent, feed_host

PRODID = "-//PMO//Calendar feed//EN"
REFRESH = dt.timedelta(hours=1)


def render_calendar(
    *, events: Iterable[FeedEvent], name: str, description: str, time_zone: str, feed_uid: str, stamp: dt.datetime
) -> bytes:
    calendar = icalendar.Calendar.new(
        name=name,
        description=description,
        prodid=PRODID,
        refresh_interval=REFRESH,
        uid=f"{feed_uid}@{feed_host()}",
    )
    calendar.add("X-WR-TIMEZONE", time_zone)
    calendar.add("X-PUBLISHED-TTL", icalendar.vDuration(REFRESH))  # PT1H: an X- property is text by default
    calendar.add("CALSCALE", "GREGORIAN")
    calendar.add("METHOD", "PUBLISH")
    for event in events:
        calendar.add_component(
            icalendar.Event.new(
                uid=event.uid,
                summary=event.summary,
                description=event.description,
                start=event.start,
                end=event.end,
                stamp=stamp,
                url=event.url,
                categories=[event.category],
                transparency=TRANSP.TRANSPARENT,
            )
        )
    calendar.add_missing_timezones()
    return calendar.to_ical()
