"""A small reader of Microsoft Project XML (MSPDI, namespace ``http://schemas.microsoft.com/project``), the format
Microsoft Project saves with "Save As → XML" (and ProjectLibre, GanttProject and others export).

There is no well-kept pure-Python MSPDI parser (MPXJ, the reference, needs a Java runtime), so this one reads the
calendar-independent task fields we import on top of ``defusedxml``: an upload is untrusted, and defusedxml refuses
DTDs, entity declarations (the "billion laughs" bomb) and external entities before anything expands.

``parse_mspdi(data)`` returns a ``MspProject`` of plain dataclasses, or raises ``MsProjectError`` with a message in
the active language.
"""

from __future__ import annotations

import codecs
import datetime as dt
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from typing import Any

import defusedxml
import defusedxml.ElementTree as SafeET
from django.utils.translation import gettext as _

NAMESPACE = "http://schemas.microsoft.com/project"
ENCODING_DECLARATION = re.compile(
    rb"""^\s*<\?xml[^>]*?\sencoding\s*=\s*["'](?P<name>[A-Za-z][A-Za-z0-9._-]{0,39})["']"""
)
EXPAT_ENCODINGS = frozenset({"utf-8", "utf-16", "utf-16-le", "utf-16-be", "ascii", "latin-1", "iso8859-1"})
MAX_BYTES = 16 * 1024 * 1024  # a saved plan takes about 2 KB a task: room for MAX_TASKS with notes
MAX_TASKS = 5000
# Task UIDs and IDs are 32-bit integers in Microsoft Project.
MAX_ID = 2**31 - 1

# xsd:duration as MS Project writes it (PT40H0M0S), and the day/week forms other tools write (P5D, P1W).
DURATION = re.compile(
    r"^(?P<sign>-)?P(?:(?P<weeks>\d+(?:\.\d+)?)W)?(?:(?P<days>\d+(?:\.\d+)?)D)?"
    r"(?:T(?:(?P<hours>\d+(?:\.\d+)?)H)?(?:(?P<minutes>\d+(?:\.\d+)?)M)?(?:(?P<seconds>\d+(?:\.\d+)?)S)?)?$"
)


class MsProjectError(Exception):
    """The upload is not a Microsoft Project XML file we can read; ``str(error)`` says why, in the active
    language."""


@dataclass(frozen=True)
class MspLink:
    """A predecessor link: ``type`` 0 finish-to-finish, 1 finish-to-start, 2 start-to-finish, 3 start-to-start."""

    predecessor_uid: int
    type: int = 1


@dataclass(frozen=True)
class MspTask:
    """A task's calendar-independent fields. Times are the plan's wall-clock times, without a time zone, exactly as
    MSPDI writes them (the import keeps only their dates)."""

    uid: int
    id: int | None
    name: str
    outline_level: int
    outline_number: str = ""
    summary: bool = False
    milestone: bool = False
    start: dt.datetime | None = None
    finish: dt.datetime | None = None
    duration: dt.timedelta | None = None
    percent_complete: int = 0
    notes: str = ""
    baseline_start: dt.datetime | None = None
    baseline_finish: dt.datetime | None = None
    active: bool = True
    predecessors: tuple[MspLink, ...] = ()

    @property
    def is_milestone(self) -> bool:
        """Flagged a milestone, or a task (not a summary) of zero duration, as Microsoft Project shows them."""
        return self.milestone or (not self.summary and self.duration is not None and not self.duration)

    @property
    def label(self) -> str:
        """How the file's author finds the task: its ID (the row number in Microsoft Project) and name."""
        return f"{self.id if self.id is not None else self.uid} “{self.name}”"


@dataclass(frozen=True)
class MspProject:
    name: str
    start: dt.datetime | None
    finish: dt.datetime | None
    save_version: str = ""
    guid: str = ""
    # The project summary task (UID 0, outline level 0) when the file has one: the project's baseline.
    summary: MspTask | None = None
    # Every other task in file order; blank rows (IsNull) are left out and counted.
    tasks: tuple[MspTask, ...] = ()
    null_tasks: int = 0

    def to_json(self) -> dict[str, Any]:
        """A JSON-safe copy (dates as ISO text, durations in seconds), read back by ``from_json``."""
        return {
            "name": self.name,
            "start": _iso(self.start),
            "finish": _iso(self.finish),
            "save_version": self.save_version,
            "guid": self.guid,
            "summary": _task_json(self.summary) if self.summary else None,
            "tasks": [_task_json(task) for task in self.tasks],
            "null_tasks": self.null_tasks,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> MspProject:
        return cls(
            name=data["name"],
            start=_from_iso(data["start"]),
            finish=_from_iso(data["finish"]),
            save_version=data.get("save_version", ""),
            guid=data.get("guid", ""),
            summary=_task_from_json(data["summary"]) if data.get("summary") else None,
            tasks=tuple(_task_from_json(task) for task in data["tasks"]),
            null_tasks=data.get("null_tasks", 0),
        )


def _iso(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value else None


def _from_iso(value: str | None) -> dt.datetime | None:
    return dt.datetime.fromisoformat(value) if value else None


def _task_json(task: MspTask) -> dict[str, Any]:
    return {
        "uid": task.uid,
        "id": task.id,
        "name": task.name,
        "outline_level": task.outline_level,
        "outline_number": task.outline_number,
        "summary": task.summary,
        "milestone": task.milestone,
        "start": _iso(task.start),
        "finish": _iso(task.finish),
        "duration": task.duration.total_seconds() if task.duration is not None else None,
        "percent_complete": task.percent_complete,
        "notes": task.notes,
        "baseline_start": _iso(task.baseline_start),
        "baseline_finish": _iso(task.baseline_finish),
        "active": task.active,
        "predecessors": [[link.predecessor_uid, link.type] for link in task.predecessors],
    }


def _task_from_json(data: dict[str, Any]) -> MspTask:
    duration = data.get("duration")
    return MspTask(
        uid=data["uid"],
        id=data.get("id"),
        name=data["name"],
        outline_level=data["outline_level"],
        outline_number=data.get("outline_number", ""),
        summary=data.get("summary", False),
        milestone=data.get("milestone", False),
        start=_from_iso(data.get("start")),
        finish=_from_iso(data.get("finish")),
        duration=dt.timedelta(seconds=duration) if duration is not None else None,
        percent_complete=data.get("percent_complete", 0),
        notes=data.get("notes", ""),
        baseline_start=_from_iso(data.get("baseline_start")),
        baseline_finish=_from_iso(data.get("baseline_finish")),
        active=data.get("active", True),
        predecessors=tuple(MspLink(uid, kind) for uid, kind in data.get("predecessors", [])),
    )


# --- Reading the XML -------------------------------------------------------------------------------------------


def _q(name: str) -> str:
    return f"{{{NAMESPACE}}}{name}"


def _text(element: ET.Element, name: str) -> str:
    child = element.find(_q(name))
    return (child.text or "").strip() if child is not None else ""


class _TaskReader:
    """Reads one ``<Task>``; every refusal names the task the way its author finds it (ID and name)."""

    def __init__(self, element: ET.Element, position: int, where: str = "") -> None:
        self.element = element
        self.name = _text(element, "Name")
        self.where = where or _("task %(id)s “%(name)s”") % {
            "id": _text(element, "ID") or _text(element, "UID") or position,
            "name": self.name,
        }

    def refuse(self, field_name: str, value: str, kind: str) -> MsProjectError:
        return MsProjectError(
            _("In %(task)s, %(field)s “%(value)s” is not %(kind)s.")
            % {"task": self.where, "field": field_name, "value": value[:40], "kind": kind}
        )

    def integer(self, name: str, default: int | None = None, element: ET.Element | None = None) -> int | None:
        raw = _text(self.element if element is None else element, name)
        if not raw:
            return default
        try:
            return int(raw)
        except ValueError:
            raise self.refuse(name, raw, _("a whole number")) from None

    def flag(self, name: str, default: bool = False) -> bool:
        raw = _text(self.element, name)
        if not raw:
            return default
        if raw not in ("0", "1", "true", "false"):
            raise self.refuse(name, raw, _("0 or 1"))
        return raw in ("1", "true")

    def datetime(self, name: str, element: ET.Element | None = None) -> dt.datetime | None:
        raw = _text(self.element if element is None else element, name)
        if not raw:
            return None
        try:
            return parse_datetime(raw)
        except ValueError:
            raise self.refuse(name, raw, _("a date and time")) from None

    def duration(self, name: str) -> dt.timedelta | None:
        raw = _text(self.element, name)
        if not raw:
            return None
        try:
            return parse_duration(raw)
        except ValueError:
            raise self.refuse(name, raw, _("a duration")) from None

    def read(self) -> MspTask:
        uid = self.integer("UID")
        if uid is None:
            raise MsProjectError(_("%(task)s has no UID.") % {"task": self.where})
        if not 0 <= uid <= MAX_ID:
            raise self.refuse("UID", str(uid), _("a task number Microsoft Project uses"))
        task_id = self.integer("ID")
        if task_id is not None and not 0 <= task_id <= MAX_ID:
            raise self.refuse("ID", str(task_id), _("a task number Microsoft Project uses"))
        percent = self.integer("PercentComplete", 0) or 0
        if not 0 <= percent <= 100:
            raise self.refuse("PercentComplete", str(percent), _("between 0 and 100"))
        outline_number = _text(self.element, "OutlineNumber")
        level = self.integer("OutlineLevel")
        if level is None:
            # Some exporters leave the level out; the outline number (1.2.3) carries it.
            level = outline_number.count(".") + 1 if outline_number else (0 if uid == 0 else 1)
        if level < 0:
            raise self.refuse("OutlineLevel", str(level), _("a level of 0 or more"))
        baseline_start = baseline_finish = None
        for baseline in self.element.findall(_q("Baseline")):
            if self.integer("Number", element=baseline) == 0:
                baseline_start = self.datetime("Start", element=baseline)
                baseline_finish = self.datetime("Finish", element=baseline)
        links = []
        for link in self.element.findall(_q("PredecessorLink")):
            predecessor = self.integer("PredecessorUID", element=link)
            if predecessor is not None:
                links.append(MspLink(predecessor, self.integer("Type", 1, element=link) or 0))
        start, finish = self.datetime("Start"), self.datetime("Finish")
        if start and finish and finish < start:
            raise MsProjectError(
                _("In %(task)s, the finish (%(finish)s) is before the start (%(start)s).")
                % {"task": self.where, "finish": finish.isoformat(), "start": start.isoformat()}
            )
        return MspTask(
            uid=uid,
            id=task_id,
            name=self.name,
            outline_level=level,
            outline_number=outline_number,
            summary=self.flag("Summary"),
            milestone=self.flag("Milestone"),
            start=start,
            finish=finish,
            duration=self.duration("Duration"),
            percent_complete=percent,
            notes=_text(self.element, "Notes"),
            baseline_start=baseline_start,
            baseline_finish=baseline_finish,
            active=self.flag("Active", default=True),
            predecessors=tuple(links),
        )


def parse_datetime(raw: str) -> dt.datetime:
    """An MSPDI date and time (``2026-03-02T08:00:00``, local to the project, no zone). A zone, if an exporter
    writes one, is dropped: the import keeps dates, and the file's dates are meant in the project's own time."""
    value = dt.datetime.fromisoformat(raw)
    return value.replace(tzinfo=None)


def parse_duration(raw: str) -> dt.timedelta:
    """An ``xsd:duration`` of weeks, days, hours, minutes and seconds (``PT40H0M0S``, ``P5D``); months and years
    have no fixed length, so they are refused (``ValueError``)."""
    match = DURATION.match(raw)
    if match is None or raw in ("P", "-P") or raw.endswith("T"):
        raise ValueError(raw)
    parts = {key: float(value) for key, value in match.groupdict().items() if key != "sign" and value}
    value = dt.timedelta(
        weeks=parts.get("weeks", 0),
        days=parts.get("days", 0),
        hours=parts.get("hours", 0),
        minutes=parts.get("minutes", 0),
        seconds=parts.get("seconds", 0),
    )
    return -value if match.group("sign") else value


def _root(data: bytes) -> ET.Element:
    if len(data) > MAX_BYTES:
        raise MsProjectError(
            _("The file is larger than %(limit)d MB; Microsoft Project XML of a plan is far smaller.")
            % {"limit": MAX_BYTES // (1024 * 1024)}
        )
    if not data.strip():
        raise MsProjectError(_("The file is empty."))
    try:
        return SafeET.fromstring(_as_utf8(data), forbid_dtd=True)
    except defusedxml.DefusedXmlException:
        raise MsProjectError(
            _("The file declares a DTD or entities, which Microsoft Project XML never does; it was refused.")
        ) from None
    except ET.ParseError as exc:
        line, column = exc.position
        raise MsProjectError(
            _("The file is not well-formed XML (line %(line)d, column %(column)d).") % {"line": line, "column": column}
        ) from None


def _as_utf8(data: bytes) -> bytes:
    """The document in an encoding the XML parser reads: expat knows UTF-8, UTF-16, ASCII and Latin-1 only, so a
    plan declared in another one (GB18030, GBK, Big5, Shift-JIS …, as some Chinese tools write) is decoded here and
    handed over as UTF-8."""
    declared = ENCODING_DECLARATION.match(data)
    if declared is None:
        return data
    name = declared.group("name").decode("ascii")
    try:
        codec = codecs.lookup(name).name
    except LookupError:
        raise MsProjectError(_("The file declares an unknown encoding, “%(name)s”.") % {"name": name}) from None
    if codec in EXPAT_ENCODINGS:
        return data
    start, end = declared.span("name")
    try:
        rest = data[end:].decode(codec)
    except UnicodeDecodeError:
        raise MsProjectError(_("The file is not in the encoding it declares (%(name)s).") % {"name": name}) from None
    # The declaration itself is ASCII in the encodings that get here, so it is kept, naming UTF-8 instead.
    return data[:start] + b"UTF-8" + rest.encode("utf-8")


def parse_mspdi(data: bytes) -> MspProject:
    """Read a Microsoft Project XML file (bytes, any encoding its XML declaration names)."""
    root = _root(data)
    if root.tag == "Project" or (root.tag.endswith("}Project") and root.tag != _q("Project")):
        raise MsProjectError(
            _("The file has a <Project> element but not the Microsoft Project namespace (%(namespace)s).")
            % {"namespace": NAMESPACE}
        )
    if root.tag != _q("Project"):
        raise MsProjectError(
            _("This is not Microsoft Project XML: save the plan in Microsoft Project with File → Save As → XML.")
        )
    container = root.find(_q("Tasks"))
    elements = container.findall(_q("Task")) if container is not None else []
    if len(elements) > MAX_TASKS:
        raise MsProjectError(
            _("The file has %(count)d tasks; at most %(limit)d can be imported at once.")
            % {"count": len(elements), "limit": MAX_TASKS}
        )
    summary = None
    tasks = []
    null_tasks = 0
    seen: set[int] = set()
    for position, element in enumerate(elements, start=1):
        reader = _TaskReader(element, position)
        if reader.flag("IsNull"):
            null_tasks += 1
            continue
        task = reader.read()
        if task.uid in seen:
            raise MsProjectError(
                _("Two tasks have the UID %(uid)d; a file saved by Microsoft Project never does.") % {"uid": task.uid}
            )
        seen.add(task.uid)
        if task.uid == 0 or task.outline_level == 0:
            summary = task
        else:
            tasks.append(task)
    project_reader = _TaskReader(root, 0, where=_("the project's header"))
    return MspProject(
        name=_text(root, "Title") or (summary.name if summary else "") or _text(root, "Name"),
        start=project_reader.datetime("StartDate") or (summary.start if summary else None),
        finish=project_reader.datetime("FinishDate") or (summary.finish if summary else None),
        save_version=_text(root, "SaveVersion"),
        guid=_text(root, "GUID"),
        summary=summary,
        tasks=tuple(tasks),
        null_tasks=null_tasks,
    )
