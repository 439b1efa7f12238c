"""Labels for values stored as plain codes (e.g. in the gate checklist snapshot), in the reader's language."""

from __future__ import annotations

from django import template

from projects.models import ProjectDeliverable

register = template.Library()


@register.filter
def deliverable_status_label(code: str) -> str:
    """``"done"`` → "Done" / "已完成"; unknown codes are shown as they are."""
    return str(dict(ProjectDeliverable.Status.choices).get(code, code))
