"""``{% import_link "risks" %}``: a list page's link to the import card of its entity, shown only to users who may
import it."""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import reverse

from pmo.imports.registry import entity_specs
from pmo.imports.services import may_import

register = template.Library()


@register.inclusion_tag("imports/_link.html", takes_context=True)
def import_link(context: template.Context, entity: str) -> dict[str, Any]:
    access, organization = context.get("access"), context.get("organization")
    spec = entity_specs().get(entity)
    if access is None or organization is None or spec is None or not may_import(access, spec):
        return {"url": ""}
    return {"url": f"{reverse('import-home', kwargs={'org_slug': organization.slug})}#import-{spec.key}"}
