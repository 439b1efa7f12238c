"""Writes of a project's documents. Callers check that the actor may change the project
(``projects.selectors.project_can_change``); services refuse a closed or cancelled project (``ProjectReadOnly``),
validate the input (``ValidationError`` per field, nothing stored) and remove a deleted document's file once the
deleting transaction commits. The history (who added or removed what, when) is written by the table's
django-pghistory triggers with the request's context, like every audited table."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.validators import URLValidator
from django.db import transaction
from django.utils.translation import gettext as _

from pmo.tenancy.models import Organization
from projects.documents.models import ProjectDocument
from projects.knowledge.uploads import check_upload
from projects.models import Project, ProjectPhase
from projects.services import ProjectReadOnly

LINK_SCHEMES = ("http", "https")
TITLE_MAX = ProjectDocument._meta.get_field("title").max_length or 200
VERSION_MAX = ProjectDocument._meta.get_field("version_label").max_length or 40
URL_MAX = ProjectDocument._meta.get_field("url").max_length or 1000


def _lock_project(*, organization: Organization, project: Project) -> Project:
    """Lock the project row for the rest of the transaction (a concurrent closure waits); refuse an archived one."""
    locked = Project.objects.select_for_update().get(organization=organization, pk=project.pk)
    if locked.is_read_only:
        raise ProjectReadOnly(locked)
    return locked


def _check_link(url: str) -> str:
    url = url.strip()
    try:
        URLValidator(schemes=list(LINK_SCHEMES))(url)
    except ValidationError as exc:
        raise ValidationError({"url": [_("Enter an http:// or https:// address.")]}) from exc
    return url


def _validate_details(
    *,
    organization: Organization,
    project: Project,
    title: str,
    kind: str,
    phase: ProjectPhase | None,
    version_label: str,
) -> dict[str, list[str]]:
    """The errors of a document's title, kind, phase and version, by field."""
    errors: dict[str, list[str]] = {}
    if not title.strip():
        errors["title"] = [_("Give the document a title.")]
    elif len(title.strip()) > TITLE_MAX:
        errors["title"] = [_("A title has at most %(count)s characters.") % {"count": TITLE_MAX}]
    if kind not in ProjectDocument.Kind.values:
        errors["kind"] = [_("Choose a valid kind.")]
    if phase is not None and (phase.organization_id != organization.pk or phase.project_id != project.pk):
        errors["phase"] = [_("Choose a phase of this project.")]
    if len(version_label.strip()) > VERSION_MAX:
        errors["version_label"] = [_("A version has at most %(count)s characters.") % {"count": VERSION_MAX}]
    return errors


def _validate(
    *,
    organization: Organization,
    project: Project,
    title: str,
    kind: str,
    upload: Any,
    url: str,
    phase: ProjectPhase | None,
    version_label: str,
) -> dict[str, list[str]]:
    errors = _validate_details(
        organization=organization, project=project, title=title, kind=kind, phase=phase, version_label=version_label
    )
    if len(url.strip()) > URL_MAX:
        errors["url"] = [_("A link has at most %(count)s characters.") % {"count": URL_MAX}]
    if upload is not None and url.strip():
        errors["file"] = [_("Upload a file or give a link, not both.")]
    elif upload is None and not url.strip():
        errors["file"] = [_("Upload a file or give a link to the document.")]
    return errors


@transaction.atomic
def document_create(
    *,
    organization: Organization,
    actor: Any,
    project: Project,
    title: str,
    kind: str = ProjectDocument.Kind.OTHER,
    upload: Any = None,
    url: str = "",
    phase: ProjectPhase | None = None,
    version_label: str = "",
    description: str = "",
) -> ProjectDocument:
    """Add a document to ``project``: either ``upload`` (checked for size, type and content, then stored under
    ``org-<id>/documents/<random name>``) or ``url`` (http or https only), never both. Raises ``ProjectReadOnly``
    for a closed or cancelled project and ``ValidationError`` (by field) for bad input; nothing is stored then."""
    if project.organization_id != organization.pk:
        raise ValidationError({"detail": [_("Not found.")]})
    locked = _lock_project(organization=organization, project=project)
    errors = _validate(
        organization=organization,
        project=locked,
        title=title,
        kind=kind,
        upload=upload,
        url=url,
        phase=phase,
        version_label=version_label,
    )
    checked = None
    if not errors and upload is not None:
        try:
            checked = check_upload(upload)
        except ValidationError as exc:
            errors.update(exc.message_dict)
    clean_url = ""
    if not errors and upload is None:
        try:
            clean_url = _check_link(url)
        except ValidationError as exc:
            errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    document = ProjectDocument(
        organization=organization,
        project=locked,
        title=title.strip(),
        kind=kind,
        phase=phase,
        url=clean_url,
        version_label=version_label.strip(),
        description=description.strip(),
        uploaded_by=actor,
    )
    if checked is None:
        document.save()
        return document
    document.original_name = checked.name
    document.size = checked.size
    document.content_type = checked.content_type
    document.file.save(f"upload{checked.suffix}", upload, save=False)
    saved = False
    try:
        with transaction.atomic():
            document.save()
        saved = True
    finally:
        if not saved and document.file.name:
            default_storage.delete(document.file.name)
    return document


@transaction.atomic
def document_delete(*, organization: Organization, actor: Any, document: ProjectDocument) -> None:
    """Delete a document of a project that is not archived; its stored file goes after commit (a rolled-back
    delete keeps it)."""
    _lock_project(organization=organization, project=document.project)
    name = document.file.name or ""
    deleted, _rows = ProjectDocument.objects.filter(organization=organization, pk=document.pk).delete()
    if deleted and name:
        transaction.on_commit(lambda: default_storage.delete(name))


UPDATABLE = ("title", "kind", "phase", "version_label", "description")


@transaction.atomic
def document_update(
    *, organization: Organization, actor: Any, document: ProjectDocument, **changes: Any
) -> ProjectDocument:
    """Change a document's title, kind, phase, version or description (its file or link stays; add a new
    document for a new version of the content). Raises ``ProjectReadOnly`` for a closed or cancelled project and
    ``ValidationError`` (by field) for bad input or an unknown field; nothing is changed then. The document row is
    locked, so two concurrent edits apply one after the other."""
    unknown = sorted(set(changes) - set(UPDATABLE))
    if unknown:
        raise ValidationError({name: [_("This field cannot be changed.")] for name in unknown})
    locked_project = _lock_project(organization=organization, project=document.project)
    current = ProjectDocument.objects.select_for_update().get(organization=organization, pk=document.pk)
    values = {name: changes.get(name, getattr(current, name)) for name in UPDATABLE}
    errors = _validate_details(
        organization=organization,
        project=locked_project,
        title=values["title"],
        kind=values["kind"],
        phase=values["phase"],
        version_label=values["version_label"],
    )
    if errors:
        raise ValidationError(errors)
    current.title = values["title"].strip()
    current.kind = values["kind"]
    current.phase = values["phase"]
    current.version_label = values["version_label"].strip()
    current.description = values["description"].strip()
    current.save(update_fields=list(UPDATABLE))
    return current
