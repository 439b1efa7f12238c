"""Checks of an uploaded attachment: size, an allow-list of types, and the content matching the type.

The client's ``Content-Type`` is ignored: the stored type comes from the allow-list entry whose content check the
file passed, so a download is always sent with a type we chose (and ``nosniff``).
"""

from __future__ import annotations

import codecs
import unicodedata
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import IO, Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, ValidationError
from django.core.files.uploadhandler import FileUploadHandler
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

_SNIFF_BYTES = 64 * 1024


def _starts_with(*signatures: bytes) -> Callable[[IO[bytes]], bool]:
    def check(fp: IO[bytes]) -> bool:
        head = fp.read(16)
        return any(head.startswith(signature) for signature in signatures)

    return check


def _office_package(folder: str) -> Callable[[IO[bytes]], bool]:
    """An Office Open XML file: a ZIP with ``[Content_Types].xml`` and the part folder of its application.

    Reads only the ZIP's central directory (nothing is decompressed, so a ZIP bomb costs nothing here)."""

    def check(fp: IO[bytes]) -> bool:
        try:
            with zipfile.ZipFile(fp) as package:
                names = package.namelist()
        except (zipfile.BadZipFile, OSError, ValueError):
            return False
        return "[Content_Types].xml" in names and any(name.startswith(folder) for name in names)

    return check


def _plain_text(fp: IO[bytes]) -> bool:
    """Text in UTF-8 (with or without BOM) or GB18030 (Chinese Excel exports CSV in it), no NUL bytes."""
    head = fp.read(_SNIFF_BYTES)
    if b"\x00" in head:
        return False
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            # Incremental, so that a multi-byte character cut at the end of the sample is not an error.
            codecs.getincrementaldecoder(encoding)().decode(head, final=False)
        except UnicodeDecodeError:
            continue
        return True
    return False


@dataclass(frozen=True)
class FileType:
    content_type: str
    check: Callable[[IO[bytes]], bool]


FILE_TYPES: dict[str, FileType] = {
    ".pdf": FileType("application/pdf", _starts_with(b"%PDF-")),
    ".docx": FileType(
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document", _office_package("word/")
    ),
    ".xlsx": FileType("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", _office_package("xl/")),
    ".pptx": FileType(
        "application/vnd.openxmlformats-officedocument.presentationml.presentation", _office_package("ppt/")
    ),
    ".png": FileType("image/png", _starts_with(b"\x89PNG\r\n\x1a\n")),
    ".jpg": FileType("image/jpeg", _starts_with(b"\xff\xd8\xff")),
    ".jpeg": FileType("image/jpeg", _starts_with(b"\xff\xd8\xff")),
    ".txt": FileType("text/plain; charset=utf-8", _plain_text),
    ".md": FileType("text/markdown; charset=utf-8", _plain_text),
    ".csv": FileType("text/csv; charset=utf-8", _plain_text),
}
ACCEPT = ",".join(FILE_TYPES)


@dataclass(frozen=True)
class CheckedUpload:
    name: str
    suffix: str
    content_type: str
    size: int


def clean_file_name(name: str) -> str:
    """The last path component of a client-sent name, without control characters, at most 255 characters."""
    base = PurePosixPath((name or "").replace("\\", "/")).name
    base = "".join(ch for ch in base if unicodedata.category(ch)[0] != "C").strip().lstrip(".")
    if len(base) > 255:
        suffix = PurePosixPath(base).suffix[:16]
        base = base[: 255 - len(suffix)] + suffix
    return base


def check_upload(upload: Any) -> CheckedUpload:
    """Validate an uploaded file; raise ``ValidationError({"file": [...]})`` with the first problem found."""
    limit: int = settings.KNOWLEDGE_MAX_ATTACHMENT_BYTES
    name = clean_file_name(getattr(upload, "name", "") or "")
    suffix = PurePosixPath(name).suffix.lower()
    size = int(getattr(upload, "size", 0) or 0)
    file_type = FILE_TYPES.get(suffix)
    if file_type is None:
        raise ValidationError(
            {"file": [_("Files of this type are not accepted. Allowed: %(types)s.") % {"types": _allowed_list()}]}
        )
    if size <= 0:
        raise ValidationError({"file": [_("The file is empty.")]})
    if size > limit:
        raise ValidationError(
            {"file": [_("The file is larger than the limit of %(limit)s.") % {"limit": filesizeformat(limit)}]}
        )
    upload.seek(0)
    try:
        matches = file_type.check(upload)
    finally:
        upload.seek(0)
    if not matches:
        raise ValidationError(
            {"file": [_("The content of the file does not match its type (%(suffix)s).") % {"suffix": suffix}]}
        )
    return CheckedUpload(name=name, suffix=suffix, content_type=file_type.content_type, size=size)


def _allowed_list() -> str:
    return ", ".join(suffix.lstrip(".") for suffix in FILE_TYPES if suffix != ".jpeg")


# The largest file any form takes (an MS Project plan, 16 MB), plus room for the other fields of the request.
DEFAULT_MAX_REQUEST_BYTES = 17 * 1024 * 1024


class RequestSizeLimitHandler(FileUploadHandler):
    """Refuse a multipart request larger than ``UPLOAD_MAX_REQUEST_BYTES`` while it arrives, before the next
    handler writes it to a temporary file: each form checks its own limit only once the whole file is on disk,
    so without this a single request could fill the disk. Listed first in ``FILE_UPLOAD_HANDLERS``; the refusal is
    Django's ``RequestDataTooBig`` (400, logged under ``django.security``)."""

    def __init__(self, request: Any = None) -> None:
        super().__init__(request)
        self.limit: int = getattr(settings, "UPLOAD_MAX_REQUEST_BYTES", DEFAULT_MAX_REQUEST_BYTES)
        self.received = 0

    def _refuse(self) -> RequestDataTooBig:
        return RequestDataTooBig(f"Upload larger than UPLOAD_MAX_REQUEST_BYTES ({self.limit} bytes).")

    def handle_raw_input(
        self, input_data: Any, META: Any, content_length: int, boundary: Any, encoding: str | None = None
    ) -> None:
        if content_length > self.limit:
            raise self._refuse()

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        # Counted as it comes, over all the files of the request: a false Content-Length does not get past.
        self.received += len(raw_data)
        if self.received > self.limit:
            raise self._refuse()
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None
