"""Readable texts for the codes that portfolio.selection returns, in the active language."""

from __future__ import annotations

from decimal import Decimal

from django.utils.formats import number_format
from django.utils.translation import gettext as _

from portfolio.selection import Reason


def _money(amount: Decimal, currency: str) -> str:
    return f"{currency} {number_format(amount, decimal_pos=0, use_l10n=True, force_grouping=True)}"


def _hours(amount: Decimal) -> str:
    return number_format(amount, decimal_pos=0, force_grouping=True)


def reason_text(code: str, amount: Decimal | None, *, currency: str) -> str:
    """Why a candidate is in or out of a scenario, e.g. "Exceeds the remaining budget by CNY 120,000."."""
    value = amount if amount is not None else Decimal(0)
    if code == Reason.SELECTED:
        return _("Selected.")
    if code == Reason.OVER_CAP:
        return _("Costs %(amount)s more than the whole budget cap.") % {"amount": _money(value, currency)}
    if code == Reason.OVER_CAPACITY_CAP:
        return _("Needs %(hours)s hours more than the whole capacity cap.") % {"hours": _hours(value)}
    if code == Reason.NO_VALUE:
        return _("Adds no value (scored 0, or not scored yet).")
    if code == Reason.LOWER_VALUE_DENSITY:
        return _("Lower value per cost than every selected item; it exceeds the remaining budget by %(amount)s.") % {
            "amount": _money(value, currency)
        }
    if code == Reason.OVER_BUDGET:
        return _("Exceeds the remaining budget by %(amount)s.") % {"amount": _money(value, currency)}
    if code == Reason.OVER_CAPACITY:
        return _("Exceeds the remaining capacity by %(hours)s hours.") % {"hours": _hours(value)}
    return ""
