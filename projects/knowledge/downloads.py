"""Sending a stored attachment: only ever as a download, with the type we recorded, never sniffed or rendered."""

from __future__ import annotations

from typing import Any, Protocol

from django.http import FileResponse, Http404


class StoredFile(Protocol):
    """A row with a checked, stored file: a knowledge attachment, a project document."""

    file: Any
    original_name: str
    content_type: str


def attachment_response(attachment: StoredFile) -> FileResponse:
    """Stream ``attachment`` (the caller has checked that the actor may read what it belongs to)."""
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    response = FileResponse(
        handle, as_attachment=True, filename=attachment.original_name, content_type=attachment.content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    # Even if a browser were talked into rendering it, the file gets no script, no plugins, no origin.
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response
