"""Labels for values stored as plain codes (e.g. in the gate checklist snapshot), in the reader's language."""

from __future__ import annotations

from django import template

from projects.models import ProjectDeliverable, Rag

register = template.Library()


@register.filter
def deliverable_status_label(code: str) -> str:
    """``"done"`` → "Done" / "已完成"; unknown codes are shown as they are."""
    return str(dict(ProjectDeliverable.Status.choices).get(code, code))


@register.filter
def rag_label(code: str | None) -> str:
    """``"amber"`` → "Amber" / "黄"; no RAG → "—"."""
    return str(dict(Rag.choices).get(code or "", "—"))
