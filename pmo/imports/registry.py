"""The importable entities, in the order the import page shows them. Each spec lives next to the services it calls
(``projects/imports.py``, ``resources/imports.py``, ``risks/imports.py``); they are loaded on first use, once the
apps are ready."""

from __future__ import annotations

from functools import cache

from django.http import Http404

from pmo.imports.specs import EntitySpec


@cache
def entity_specs() -> dict[str, EntitySpec]:
    from projects.imports import MILESTONES, PROJECTS
    from resources.imports import ALLOCATIONS, PEOPLE
    from risks.imports import RISKS

    return {spec.key: spec for spec in (PROJECTS, PEOPLE, ALLOCATIONS, RISKS, MILESTONES)}


def spec_for(entity: str) -> EntitySpec:
    """The spec of ``entity``; ``Http404`` for a name that is not one."""
    spec = entity_specs().get(entity)
    if spec is None:
        raise Http404
    return spec
