"""The Microsoft Project XML reader: the fields it takes from a file as Microsoft Project saves it (the generated
sample), durations, the outline, baseline 0, the project summary task, blank and inactive rows, Chinese names and
other encodings; and what it refuses with a reason — malformed XML, DTDs and entities (the billion-laughs bomb, an
external entity), a wrong or missing namespace, bad values, too large a file, too many tasks."""

from __future__ import annotations

import datetime as dt

import pytest

from projects.msproject import parser
from projects.msproject.parser import MspLink, MspProject, MsProjectError, parse_duration, parse_mspdi
from tests.msproject_sample import MILESTONES_EN, PHASES_EN, build_xml, large_rows, sample_xml

NS = parser.NAMESPACE


def wall(text: str) -> dt.datetime:
    """A wall-clock time of the plan, as MSPDI writes it: no time zone (the project's own time)."""
    return dt.datetime.fromisoformat(text)


def mspdi(tasks: str, *, head: str = "<SaveVersion>14</SaveVersion><Title>T</Title>") -> bytes:
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><Project xmlns="{NS}">{head}<Tasks>{tasks}</Tasks></Project>'.encode()
    )


def task(uid: int, name: str, level: int = 1, **fields: str) -> str:
    extra = "".join(f"<{key}>{value}</{key}>" for key, value in fields.items())
    return f"<Task><UID>{uid}</UID><ID>{uid}</ID><Name>{name}</Name><OutlineLevel>{level}</OutlineLevel>{extra}</Task>"


def refusal(data: bytes) -> str:
    with pytest.raises(MsProjectError) as caught:
        parse_mspdi(data)
    return str(caught.value)


# --- What is read ---------------------------------------------------------------------------------------------


def test_the_sample_reads_as_microsoft_project_wrote_it() -> None:
    plan = parse_mspdi(sample_xml())

    assert (plan.name, plan.save_version, plan.guid) == ("CRM roll-out", "14", "6f1c2a4e-8d3b-4c5a-9e7f-0a1b2c3d4e5f")
    assert (plan.start, plan.finish) == (wall("2026-09-07T08:00"), wall("2026-12-08T17:00"))
    assert len(plan.tasks) == 29 and plan.null_tasks == 0
    assert [t.name for t in plan.tasks if t.outline_level == 1 and t.summary] == PHASES_EN
    assert [t.name for t in plan.tasks if t.is_milestone] == MILESTONES_EN
    assert {t.outline_level for t in plan.tasks} == {1, 2, 3}
    assert all(t.baseline_start and t.baseline_finish for t in plan.tasks)


def test_task_fields_outline_baseline_and_links() -> None:
    plan = parse_mspdi(sample_xml(slip=3))
    by_name = {t.name: t for t in plan.tasks}

    workshops = by_name["Requirements workshops"]
    assert (workshops.uid, workshops.id, workshops.outline_level, workshops.outline_number) == (8, 8, 3, "2.1.1")
    assert (workshops.start, workshops.finish) == (wall("2026-09-15T08:00"), wall("2026-09-21T17:00"))
    assert workshops.duration == dt.timedelta(hours=40)
    assert workshops.predecessors == (MspLink(predecessor_uid=4, type=1),)
    assert not workshops.summary and not workshops.is_milestone and workshops.active

    charter = by_name["Charter approved"]
    assert charter.milestone and charter.is_milestone and charter.percent_complete == 100
    assert charter.duration == dt.timedelta(0)

    # The slip moves the current schedule from Execution on; baseline 0 stays where it was.
    build = by_name["Build complete"]
    assert build.finish == wall("2026-11-06T17:00")
    assert build.baseline_finish == wall("2026-11-03T17:00")
    assert by_name["Planning"].finish == by_name["Planning"].baseline_finish


def test_the_project_summary_task_is_the_project_not_a_task() -> None:
    plan = parse_mspdi(sample_xml())

    assert plan.summary is not None
    assert (plan.summary.uid, plan.summary.outline_level, plan.summary.name) == (0, 0, "CRM roll-out")
    assert plan.summary.baseline_start == wall("2026-09-07T08:00")
    assert plan.summary.baseline_finish == wall("2026-12-08T17:00")
    assert 0 not in {t.uid for t in plan.tasks}

    # A summary task written with another UID but at level 0 is the project's too.
    other = parse_mspdi(mspdi(task(7, "Whole plan", level=0, Summary="1") + task(8, "Phase", Summary="1")))
    assert other.summary is not None and other.summary.uid == 7
    assert [t.uid for t in other.tasks] == [8]
    assert other.name == "T"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("PT40H0M0S", dt.timedelta(hours=40)),
        ("PT0H0M0S", dt.timedelta(0)),
        ("PT7H30M0S", dt.timedelta(hours=7, minutes=30)),
        ("PT1.5H", dt.timedelta(minutes=90)),
        ("P5D", dt.timedelta(days=5)),
        ("P1W", dt.timedelta(weeks=1)),
        ("P2DT4H", dt.timedelta(days=2, hours=4)),
        ("-PT8H0M0S", -dt.timedelta(hours=8)),
        ("PT0.5S", dt.timedelta(milliseconds=500)),
    ],
)
def test_durations(raw: str, expected: dt.timedelta) -> None:
    assert parse_duration(raw) == expected


@pytest.mark.parametrize("raw", ["P", "PT", "P1Y", "P2M", "40h", "PT40", "T8H", "PT-8H", "P1DT"])
def test_durations_without_a_fixed_length_or_malformed_are_refused(raw: str) -> None:
    with pytest.raises(ValueError, match=raw.replace("-", r"\-")):
        parse_duration(raw)


def test_a_bad_duration_in_a_task_names_the_task() -> None:
    message = refusal(mspdi(task(3, "Design", Duration="P1Y")))

    assert "task 3 “Design”" in message and "Duration" in message and "P1Y" in message


def test_blank_rows_are_counted_and_left_out_inactive_ones_are_flagged() -> None:
    plan = parse_mspdi(
        mspdi(
            task(1, "Phase", Summary="1")
            + "<Task><UID>2</UID><ID>2</ID><IsNull>1</IsNull></Task>"
            + task(3, "Dropped", level=2, Active="0")
            + task(4, "Kept", level=2, Active="1")
        )
    )

    assert [t.uid for t in plan.tasks] == [1, 3, 4]
    assert plan.null_tasks == 1
    assert [t.active for t in plan.tasks] == [True, False, True]


def test_the_outline_level_falls_back_on_the_outline_number() -> None:
    plan = parse_mspdi(
        mspdi(
            "<Task><UID>1</UID><Name>A</Name><OutlineNumber>1</OutlineNumber></Task>"
            "<Task><UID>2</UID><Name>B</Name><OutlineNumber>1.1.1</OutlineNumber></Task>"
        )
    )

    assert [t.outline_level for t in plan.tasks] == [1, 3]


def test_chinese_names_read_back_exactly() -> None:
    plan = parse_mspdi(sample_xml(chinese=True))

    assert plan.name == "CRM 系统上线"
    assert [t.name for t in plan.tasks if t.outline_level == 1] == ["启动", "规划", "执行", "测试与验收", "收尾"]
    assert "验收签字" in {t.name for t in plan.tasks if t.is_milestone}


def test_other_encodings_follow_the_xml_declaration() -> None:
    text = f'<?xml version="1.0" encoding="GB18030"?><Project xmlns="{NS}"><Title>上线计划</Title><Tasks>'
    text += task(1, "测试与验收", Summary="1") + "</Tasks></Project>"

    plan = parse_mspdi(text.encode("gb18030"))
    utf16 = parse_mspdi(text.replace("GB18030", "UTF-16").encode("utf-16"))

    assert plan.name == utf16.name == "上线计划"
    assert plan.tasks[0].name == utf16.tasks[0].name == "测试与验收"


def test_the_parsed_plan_survives_its_json_copy() -> None:
    plan = parse_mspdi(sample_xml(slip=2))

    again = MspProject.from_json(plan.to_json())

    assert again == plan


def test_a_large_plan_reads_quickly_enough() -> None:
    data = build_xml(large_rows(2000))
    plan = parse_mspdi(data)

    assert 1900 <= len(plan.tasks) <= 2100 and len(data) < parser.MAX_BYTES


# --- What is refused ------------------------------------------------------------------------------------------


def test_malformed_xml_is_refused_with_where() -> None:
    message = refusal(b'<?xml version="1.0"?>\n<Project xmlns="http://schemas.microsoft.com/project">\n<Tasks>')

    assert "not well-formed XML" in message and "line 3" in message


def test_the_billion_laughs_bomb_is_refused_before_it_expands() -> None:
    bomb = b'<?xml version="1.0"?>\n<!DOCTYPE lolz [\n <!ENTITY lol "lol">\n'
    for level in range(1, 10):
        previous = "lol" if level == 1 else f"lol{level - 1}"
        bomb += f' <!ENTITY lol{level} "{("&" + previous + ";") * 10}">\n'.encode()
    bomb += f'<Project xmlns="{NS}"><Title>&lol9;</Title></Project>'.encode()

    assert "DTD or entities" in refusal(bomb)


def test_an_external_entity_is_refused_and_nothing_is_read() -> None:
    xxe = (
        f'<?xml version="1.0"?><!DOCTYPE p [<!ENTITY secret SYSTEM "file:///etc/passwd">]>'
        f'<Project xmlns="{NS}"><Title>&secret;</Title><Tasks/></Project>'
    ).encode()

    message = refusal(xxe)

    assert "DTD or entities" in message and "root:" not in message


def test_a_dtd_alone_is_refused_too() -> None:
    assert "DTD" in refusal(f'<?xml version="1.0"?><!DOCTYPE Project><Project xmlns="{NS}"/>'.encode())


@pytest.mark.parametrize(
    ("document", "expected"),
    [
        (b"<Project><Tasks/></Project>", "not the Microsoft Project namespace"),
        (b'<Project xmlns="http://example.com/other"><Tasks/></Project>', "not the Microsoft Project namespace"),
        (f'<Workbook xmlns="{NS}"/>'.encode(), "This is not Microsoft Project XML"),
        (b"<html><body>plan</body></html>", "This is not Microsoft Project XML"),
        (b"", "The file is empty."),
        (b"   \n", "The file is empty."),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1 binary .mpp", "not well-formed XML"),
    ],
)
def test_what_is_not_microsoft_project_xml(document: bytes, expected: str) -> None:
    assert expected in refusal(document)


def test_bad_values_name_the_task_and_the_field() -> None:
    assert "task 5 “Build”" in refusal(mspdi(task(5, "Build", Start="2026-13-01T08:00:00")))
    assert "Start" in refusal(mspdi(task(5, "Build", Start="next week")))
    assert "PercentComplete" in refusal(mspdi(task(5, "Build", PercentComplete="150")))
    assert "PercentComplete" in refusal(mspdi(task(5, "Build", PercentComplete="half")))
    assert "Milestone" in refusal(mspdi(task(5, "Build", Milestone="yes")))
    assert "OutlineLevel" in refusal(mspdi(task(5, "Build", level=-1)))
    assert "has no UID" in refusal(mspdi("<Task><Name>Orphan</Name></Task>"))
    assert "UID" in refusal(mspdi(task(2**31, "Huge")))
    assert "ID" in refusal(mspdi(task(3, "Negative").replace("<ID>3</ID>", "<ID>-3</ID>")))
    backwards = task(5, "Build", Start="2026-09-10T08:00:00", Finish="2026-09-09T17:00:00")
    assert "the finish (2026-09-09T17:00:00) is before the start" in refusal(mspdi(backwards))
    assert "UID 4" in refusal(mspdi(task(4, "A") + task(4, "B")))
    assert "the project's header" in refusal(mspdi(task(1, "A"), head="<StartDate>soon</StartDate>"))


def test_too_large_a_file_is_refused_unread(monkeypatch: pytest.MonkeyPatch) -> None:
    data = sample_xml()
    monkeypatch.setattr(parser, "MAX_BYTES", len(data) - 1)

    assert "larger than" in refusal(data)


def test_more_than_five_thousand_tasks_are_refused() -> None:
    message = refusal(mspdi("".join(task(uid, f"T{uid}") for uid in range(1, 5002))))

    assert "5001 tasks" in message and "at most 5000" in message
    assert len(parse_mspdi(mspdi("".join(task(uid, f"T{uid}") for uid in range(1, 5001)))).tasks) == 5000
