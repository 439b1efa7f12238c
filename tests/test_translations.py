"""The Simplified Chinese catalogue is complete, matches the sources and is what Django serves for zh-hans.

* every message of ``locale/zh_Hans/LC_MESSAGES/django.po`` is translated, none is fuzzy, placeholders agree;
* every string marked for translation in the sources (extracted with ``makemessages`` into a temporary copy
  of the project) is in the committed catalogue, so a new string without a translation fails here;
* with the catalogue compiled by Babel (as the install step does), ``zh-hans`` pages and e-mails are Chinese.

The repository's own files are never written: extraction runs in a temporary copy and the tests compile the
catalogue into a temporary directory instead of relying on (or touching) the git-ignored ``django.mo``.
"""

from __future__ import annotations

import datetime as dt
import io
import shutil
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from django.core.management import call_command
from django.template.loader import render_to_string
from django.test import override_settings
from django.utils import translation

REPO = Path(__file__).resolve().parent.parent
PO_PATH = REPO / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"

# The exclusions of the documented makemessages command; VCS and cache directories are not copied either.
MAKEMESSAGES_IGNORE = (".venv", ".local", "tests", "staticfiles")
NOT_COPIED = {
    *MAKEMESSAGES_IGNORE,
    "locale",
    ".git",
    "node_modules",
    "media",
    "test-artifacts",
    ".pytest_cache",
    ".mypy_cache",
    ".ruff_cache",
    "__pycache__",
}


def load_catalog() -> Catalog:
    with PO_PATH.open("rb") as fp:
        return read_po(fp, locale="zh_Hans", domain="django")


def msgids(message: Message) -> list[str]:
    """[msgid] or [msgid, msgid_plural]."""
    return [message.id] if isinstance(message.id, str) else list(message.id)


def msgstrs(message: Message) -> list[str]:
    """[msgstr] or [msgstr[0], msgstr[1], ...]; missing ones as ""."""
    strings = [message.string] if isinstance(message.string, str | None) else list(message.string)
    return [s or "" for s in strings]


def key(message: Message) -> tuple[str | None, str]:
    return message.context, msgids(message)[0]


def describe(message: Message) -> str:
    context, msgid = key(message)
    where = ", ".join(f"{path}:{line}" for path, line in message.locations[:3])
    return f"{msgid!r}" + (f" (context {context!r})" if context else "") + (f" [{where}]" if where else "")


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog()


# --- (a) the committed catalogue is complete --------------------------------------------------------------


def test_header_declares_simplified_chinese(catalog: Catalog) -> None:
    assert str(catalog.locale) == "zh_Hans"
    assert catalog.num_plurals == 1
    assert catalog.plural_expr == "0"
    assert catalog.charset.lower() == "utf-8"
    assert not catalog.fuzzy, "the header is marked fuzzy: pybabel compile would skip the whole catalogue"


def test_every_message_is_translated_and_not_fuzzy(catalog: Catalog) -> None:
    messages = [m for m in catalog if m.id]
    assert messages, "the catalogue is empty"
    untranslated: list[str] = []
    fuzzy: list[str] = []
    for message in messages:
        if message.fuzzy:
            fuzzy.append(describe(message))
        needed = catalog.num_plurals if message.pluralizable else 1
        forms = msgstrs(message)[:needed]
        if len(forms) < needed or not all(s.strip() for s in forms):
            untranslated.append(describe(message))
    report = [f"untranslated: {m}" for m in untranslated] + [f"fuzzy: {m}" for m in fuzzy]
    summary = f"{len(untranslated)} untranslated, {len(fuzzy)} fuzzy message(s):"
    assert not report, "\n".join([summary, *report])


def test_placeholders_are_kept(catalog: Catalog) -> None:
    """Babel's checkers: %(name)s placeholders of msgid and msgstr agree (a mismatch breaks at runtime)."""
    problems = [
        f"{describe(m)}: {'; '.join(map(str, errors))}" for m in catalog if m.id and (errors := m.check(catalog))
    ]
    assert not problems, "\n".join(problems)


def test_babel_compiles_the_catalogue(catalog: Catalog) -> None:
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    assert len(buffer.getvalue()) > 1000


# --- (b) nothing marked in the sources is missing --------------------------------------------------------


def copy_sources(destination: Path) -> None:
    def ignore(directory: str, names: list[str]) -> set[str]:
        top_level = Path(directory).resolve() == REPO
        return {n for n in names if n in {"__pycache__", "node_modules"} or (top_level and n in NOT_COPIED)}

    shutil.copytree(REPO, destination, symlinks=True, ignore=ignore)


@pytest.mark.skipif(shutil.which("xgettext") is None, reason="GNU gettext (xgettext) is not installed")
def test_sources_have_no_untranslated_strings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, catalog: Catalog
) -> None:
    project = tmp_path / "project"
    copy_sources(project)
    locale_dir = project / "locale"
    # Start from the committed catalogue, as a developer would; makemessages merges the sources into it.
    (locale_dir / "zh_Hans" / "LC_MESSAGES").mkdir(parents=True)
    shutil.copyfile(PO_PATH, locale_dir / "zh_Hans" / "LC_MESSAGES" / "django.po")
    monkeypatch.chdir(project)
    # LOCALE_PATHS points at the copy, so makemessages cannot write into the repository's locale directory.
    with override_settings(LOCALE_PATHS=[locale_dir]):
        call_command(
            "makemessages",
            locale=["zh_Hans"],
            ignore_patterns=list(MAKEMESSAGES_IGNORE),  # makemessages appends to the list it is given
            no_obsolete=True,
            verbosity=0,
        )
    with (locale_dir / "zh_Hans" / "LC_MESSAGES" / "django.po").open("rb") as fp:
        extracted = read_po(fp)
    committed = {key(m) for m in catalog if m.id}
    missing = [describe(m) for m in extracted if m.id and key(m) not in committed]
    assert not missing, (
        f"{len(missing)} string(s) marked for translation are not in {PO_PATH.relative_to(REPO)}; run "
        f"`python manage.py makemessages -l zh_Hans {' '.join('--ignore=' + p for p in MAKEMESSAGES_IGNORE)} "
        "--no-obsolete` and translate them:\n" + "\n".join(missing)
    )


# --- (c) Django serves the translations ------------------------------------------------------------------


@pytest.fixture
def compiled_catalogue(tmp_path: Path, catalog: Catalog) -> Iterator[Path]:
    """The committed .po compiled by Babel into a temporary LOCALE_PATHS (what the install step builds)."""
    mo_dir = tmp_path / "locale" / "zh_Hans" / "LC_MESSAGES"
    mo_dir.mkdir(parents=True)
    with (mo_dir / "django.mo").open("wb") as fp:
        write_mo(fp, catalog)
    with override_settings(LOCALE_PATHS=[tmp_path / "locale"]):
        yield tmp_path / "locale"


KEY_STRINGS = {
    "Log in": "登录",
    "Log out": "退出登录",
    "Projects": "项目",
    "Portfolios": "项目组合",
    "Members": "成员",
    "Audit trail": "审计日志",
    "Project Management Office": "项目管理办公室",
    "Administrator": "管理员",
    "Executive": "高管",
    "Project manager": "项目经理",
    "Team member": "团队成员",
    "Viewer": "访客",
    "Supportive": "支持型",
    "Controlling": "控制型",
    "Directive": "指令型",
}


@pytest.mark.usefixtures("compiled_catalogue")
def test_key_strings_translate() -> None:
    with translation.override("zh-hans"):
        actual = {msgid: translation.gettext(msgid) for msgid in KEY_STRINGS}
        plural = translation.ngettext("%(n)s member", "%(n)s members", 3) % {"n": 3}
    assert actual == KEY_STRINGS
    assert plural == "3 名成员"
    with translation.override("en"):
        assert translation.gettext("Projects") == "Projects"


@pytest.mark.usefixtures("compiled_catalogue")
def test_model_choices_translate() -> None:
    from pmo.tenancy.models import Organization
    from pmo.tenancy.roles import Role
    from projects.models import Project

    with translation.override("zh-hans"):
        assert str(Role.MANAGER.label) == "项目经理"
        assert [str(label) for _, label in Organization.PmoType.choices] == ["支持型", "控制型", "指令型"]
        assert str(Project.Status.ACTIVE.label) == "进行中"


@pytest.mark.usefixtures("compiled_catalogue")
def test_every_catalogue_message_is_served(catalog: Catalog) -> None:
    wrong = []
    with translation.override("zh-hans"):
        for message in catalog:
            if not message.id:
                continue
            expected = msgstrs(message)[0]
            if message.pluralizable:
                singular, plural_id = msgids(message)
                if message.context:
                    got = translation.npgettext(message.context, singular, plural_id, 2)
                else:
                    got = translation.ngettext(singular, plural_id, 2)
            else:
                (msgid,) = msgids(message)
                if message.context:
                    got = translation.pgettext(message.context, msgid)
                else:
                    got = translation.gettext(msgid)
            if got != expected:
                wrong.append(f"{describe(message)}: {got!r} != {expected!r}")
    assert not wrong, "\n".join(wrong)


@pytest.mark.usefixtures("compiled_catalogue")
def test_emails_render_in_chinese() -> None:
    with translation.override("zh-hans"):
        subject = render_to_string("registration/password_reset_subject.txt").strip()
        context = {
            "organization": SimpleNamespace(name="Globex"),
            "invitation": SimpleNamespace(
                get_role_display="项目经理", expires_at=dt.datetime(2030, 1, 31, tzinfo=dt.UTC)
            ),
            "inviter": None,
            "url": "https://pmo.example/invitations/abc/",
        }
        invitation_subject = render_to_string("emails/invitation_subject.txt", context).strip()
        invitation_body = render_to_string("emails/invitation.txt", context)
    assert subject == "重置您的 PMO 密码"
    assert invitation_subject == "您已受邀加入 PMO 平台上的 Globex"
    assert "您已受邀加入 Globex，角色为项目经理。" in invitation_body
    assert "接受邀请：" in invitation_body
    assert "此链接有效期至 2030-01-31。" in invitation_body


@pytest.mark.django_db
@pytest.mark.usefixtures("compiled_catalogue")
def test_login_page_renders_in_chinese(client: object) -> None:
    response = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="zh-hans">' in html
    assert "<h1>登录</h1>" in html
    assert "请使用您的工作邮箱登录。" in html
    assert "忘记密码？" in html
    assert "电子邮箱" in html  # the form's field label
    assert "Sign in with your work e-mail address." not in html
