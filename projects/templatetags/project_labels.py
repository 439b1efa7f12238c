"""Labels for values stored as plain codes (e.g. in the gate checklist snapshot, or a list row's status), in the
reader's language.

Each choice class's labels are translated once per language and kept: ``{{ p.get_status_display }}`` rebuilds the
field's choices and translates every label on each call (about 0.1 ms), which a 50-row list pays a hundred times.
"""

from __future__ import annotations

import functools

from django import template
from django.db import models
from django.utils import translation

from projects.models import Project, ProjectDeliverable, Rag

register = template.Library()


@functools.cache
def _labels_in(choices: type[models.Choices], language: str | None) -> dict[str, str]:
    with translation.override(language):
        return {str(value): str(label) for value, label in choices.choices}


def choice_label(choices: type[models.Choices], code: object, default: str | None = None) -> str:
    """The label of ``code`` among ``choices`` in the active language; ``default`` (else the code itself) when
    ``code`` is not one of them."""
    labels = _labels_in(choices, translation.get_language())
    key = "" if code is None else str(code)
    if key in labels:
        return labels[key]
    return key if default is None else default


@register.filter
def deliverable_status_label(code: str) -> str:
    """``"done"`` → "Done" / "已完成"; unknown codes are shown as they are."""
    return choice_label(ProjectDeliverable.Status, code)


@register.filter
def rag_label(code: str | None) -> str:
    """``"amber"`` → "Amber" / "黄"; no RAG → "—"."""
    return choice_label(Rag, code, "—")


@register.filter
def project_status_label(code: str) -> str:
    """A project's status code → its label (as ``get_status_display``)."""
    return choice_label(Project.Status, code)


@register.filter
def project_priority_label(code: int) -> str:
    """A project's priority code → its label (as ``get_priority_display``)."""
    return choice_label(Project.Priority, code)
