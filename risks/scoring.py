"""The organisation's risk scale and the arithmetic of a risk's score: ``RiskSettings`` (created on first use, edited
by the PMO with optimistic concurrency), the level of a score (low / medium / high) and staleness (open and not
reviewed within the review period). The same rules exist as SQL expressions (``level_expression``,
``stale_expression``) so that lists, filters and heat maps compute them in the database."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import BooleanField, Case, CharField, F, Max, Q, Value, When
from django.db.models.functions import Greatest
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from pmo.tenancy.models import Organization
from projects.services import StaleVersion
from risks.models import Risk, RiskSettings

MIN_SCALE, MAX_SCALE = 3, 5
SETTINGS_FIELDS = ("scale", "medium_from", "high_from", "review_period_days")
MAX_REVIEW_PERIOD_DAYS = 3650

LOW, MEDIUM, HIGH = "low", "medium", "high"
LEVELS = (LOW, MEDIUM, HIGH)
LEVEL_LABELS = {LOW: gettext_lazy("Low"), MEDIUM: gettext_lazy("Medium"), HIGH: gettext_lazy("High")}
LEVEL_CHOICES = [(level, LEVEL_LABELS[level]) for level in LEVELS]


class SettingsStale(StaleVersion):
    """Someone else saved the risk settings since they were read (the API answers 409)."""

    def __init__(self) -> None:
        super(StaleVersion, self).__init__(
            _("Someone else changed the risk settings in the meantime. Reload them and try again.")
        )


def risk_settings_get(*, organization: Organization) -> RiskSettings:
    """The organisation's settings, created with the defaults (5×5, medium from 5, high from 12, review every 30
    days) on first use; concurrent first uses are safe."""
    found = RiskSettings.objects.filter(organization=organization).first()
    if found is not None:
        return found
    try:
        with transaction.atomic():
            return RiskSettings.objects.create(organization=organization)
    except IntegrityError:
        return RiskSettings.objects.get(organization=organization)


def risk_settings_lock(*, organization: Organization) -> RiskSettings:
    """The settings row, locked for the rest of the transaction. Writers that number risks and issues take this
    lock too, so numbering is serialised per organisation."""
    settings = risk_settings_get(organization=organization)
    return RiskSettings.objects.select_for_update().get(organization=organization, pk=settings.pk)


def _int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


@transaction.atomic
def risk_settings_update(
    *, organization: Organization, actor: Any, version: int | None = None, **fields: Any
) -> RiskSettings:
    """Change the scale, the level thresholds or the review period (the caller checks ``RISKS_SETTINGS``).

    ``version``, when given, must be the stored one (else ``SettingsStale``, 409). Refused with ``ValidationError``
    (400, nothing saved): a scale outside 3–5; thresholds not ``1 ≤ medium_from < high_from ≤ scale²``; a review
    period under one day; a scale smaller than the probability or impact of an open risk."""
    unknown = set(fields) - set(SETTINGS_FIELDS)
    if unknown:
        raise ValidationError({name: [_("This field cannot be changed.")] for name in sorted(unknown)})
    settings = risk_settings_lock(organization=organization)
    if version is not None and version != settings.version:
        raise SettingsStale()
    errors: dict[str, list[str]] = {}
    values: dict[str, int] = {}
    for name, value in fields.items():
        number = _int(value)
        if number is None:
            errors[name] = [_("Give a whole number.")]
        else:
            values[name] = number
    if errors:
        raise ValidationError(errors)
    scale = values.get("scale", settings.scale)
    medium_from = values.get("medium_from", settings.medium_from)
    high_from = values.get("high_from", settings.high_from)
    review = values.get("review_period_days", settings.review_period_days)
    if not MIN_SCALE <= scale <= MAX_SCALE:
        errors["scale"] = [_("The scale runs from 3 to 5 levels.")]
    elif scale < settings.scale:
        largest = Risk.objects.filter(organization=organization, status=Risk.Status.OPEN).aggregate(
            top=Max(Greatest("probability", "impact"))
        )["top"]
        if largest is not None and largest > scale:
            errors["scale"] = [
                _("Open risks are rated up to %(top)d: re-rate them before shrinking the scale to %(scale)d.")
                % {"top": largest, "scale": scale}
            ]
    if medium_from < 1:
        errors["medium_from"] = [_("The medium level starts at a score of at least 1.")]
    if high_from <= medium_from:
        errors["high_from"] = [_("The high level must start above the medium level.")]
    elif "scale" not in errors and high_from > scale * scale:
        errors["high_from"] = [
            _("The high level must start at a score the scale can reach (at most %(max)d).") % {"max": scale * scale}
        ]
    if not 1 <= review <= MAX_REVIEW_PERIOD_DAYS:
        errors["review_period_days"] = [
            _("The review period is between 1 and %(max)d days.") % {"max": MAX_REVIEW_PERIOD_DAYS}
        ]
    if errors:
        raise ValidationError(errors)
    changed = [name for name, value in values.items() if getattr(settings, name) != value]
    if not changed:
        return settings
    for name in changed:
        setattr(settings, name, values[name])
    settings.version = F("version") + 1
    settings.save(update_fields=[*changed, "version"])
    settings.refresh_from_db()
    return settings


# --- Levels and staleness ----------------------------------------------------------------------------------------


def level_of(score: int, settings: RiskSettings) -> str:
    """``high`` from ``high_from``, ``medium`` from ``medium_from``, else ``low``."""
    if score >= settings.high_from:
        return HIGH
    if score >= settings.medium_from:
        return MEDIUM
    return LOW


def stale_cutoff(settings: RiskSettings, *, now: dt.datetime | None = None) -> dt.datetime:
    """A risk last reviewed before this moment is stale (if it is open)."""
    return (now or timezone.now()) - dt.timedelta(days=settings.review_period_days)


def is_stale(risk: Risk, settings: RiskSettings, *, now: dt.datetime | None = None) -> bool:
    return risk.status == Risk.Status.OPEN and risk.last_reviewed_at < stale_cutoff(settings, now=now)


def level_expression(settings: RiskSettings, field: str = "score") -> Case:
    """``level_of`` in SQL, on the ``score`` column (or another integer column)."""
    return Case(
        When(Q(**{f"{field}__gte": settings.high_from}), then=Value(HIGH)),
        When(Q(**{f"{field}__gte": settings.medium_from}), then=Value(MEDIUM)),
        default=Value(LOW),
        output_field=CharField(),
    )


def stale_expression(settings: RiskSettings, *, now: dt.datetime | None = None) -> Case:
    """``is_stale`` in SQL."""
    return Case(
        When(Q(status=Risk.Status.OPEN, last_reviewed_at__lt=stale_cutoff(settings, now=now)), then=Value(True)),
        default=Value(False),
        output_field=BooleanField(),
    )


def level_filter(level: str, settings: RiskSettings) -> Q:
    """The risks of one level, as a filter on the score (uses the stored column, no annotation needed)."""
    if level == HIGH:
        return Q(score__gte=settings.high_from)
    if level == MEDIUM:
        return Q(score__gte=settings.medium_from, score__lt=settings.high_from)
    return Q(score__lt=settings.medium_from)
