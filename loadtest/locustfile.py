"""Mixed traffic by role against a running PMO (``make loadtest``; docs/loadtest.md has the figures and the command).

Every simulated person signs in with the web form (or, for the API client, gets a bearer token once per account) and
then, between one and three seconds apart, reads what that role reads:

- executive: the executive dashboard, the project register, a project's overview;
- PMO: the cockpit, the project register, the risk register, the notifications inbox;
- manager: their project's weekly status page and a draft save of it (start the week first if needed), the overview;
- API client: project, risk and status-report lists with ``Authorization: Bearer``.

Accounts: ``<role>@<org>.<PMO_LOADTEST_EMAIL_DOMAIN>`` (default ``example``) with the password
``PMO_LOADTEST_PASSWORD`` (default: the demo one), in the organisations ``PMO_LOADTEST_ORGS`` (default
``acme,globex``: ``seed_demo``'s). ``PMO_LOADTEST_WAIT`` is the pause between two tasks, ``min,max`` seconds.
A request counts as a failure when its status is not the expected one (a page 200, a sign-in or save 302).
"""

from __future__ import annotations

import itertools
import os
import re
from html.parser import HTMLParser
from typing import Any, ClassVar

from locust import HttpUser, between, task

PASSWORD = os.environ.get("PMO_LOADTEST_PASSWORD", "demo12345")
ORGS = [org for org in os.environ.get("PMO_LOADTEST_ORGS", "acme,globex").split(",") if org]
DOMAIN = os.environ.get("PMO_LOADTEST_EMAIL_DOMAIN", "example")
# Seconds between two tasks of one simulated person, "min,max" (the suite's smoke run makes them short).
PAUSE = [float(value) for value in os.environ.get("PMO_LOADTEST_WAIT", "1,3").split(",")]
PROJECT_LINK = r'href="/o/{org}/projects/(\d+)/"'


class FormFields(HTMLParser):
    """The fields of the forms on a page, by the form's ``action``: what a browser would send back unchanged."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: dict[str, dict[str, str]] = {}
        self._action: str | None = None
        self._select: str | None = None
        self._textarea: str | None = None
        self._first_option: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attr = {key: value or "" for key, value in attrs}
        if tag == "form":
            self._action = attr.get("action", "")
            self.forms.setdefault(self._action, {})
            return
        if self._action is None:
            return
        fields = self.forms[self._action]
        name = attr.get("name")
        if tag == "input" and name and attr.get("type", "text") not in ("submit", "button", "file"):
            if attr.get("type") in ("checkbox", "radio") and "checked" not in attr:
                return
            fields[name] = attr.get("value", "on" if attr.get("type") == "checkbox" else "")
        elif tag == "select" and name:
            self._select, self._first_option = name, None
        elif tag == "option" and self._select:
            value = attr.get("value", "")
            if self._first_option is None:
                self._first_option = value
            if "selected" in attr:
                fields[self._select] = value
        elif tag == "textarea" and name:
            self._textarea = name
            fields[name] = ""

    def handle_data(self, data: str) -> None:
        if self._action is not None and self._textarea:
            self.forms[self._action][self._textarea] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._action = None
        elif tag == "select" and self._action is not None and self._select:
            self.forms[self._action].setdefault(self._select, self._first_option or "")
            self._select = None
        elif tag == "textarea":
            self._textarea = None


def visit_every_task(user: HttpUser) -> None:
    """Once on arrival, each of the person's tasks (then they follow the weights): every kind of request is made
    even in a short run, which the suite's smoke test relies on."""
    for action in dict.fromkeys(type(user).tasks):
        action(user)  # type: ignore[operator]


def forms_of(html: str) -> dict[str, dict[str, str]]:
    parser = FormFields()
    parser.feed(html)
    return parser.forms


class PmoUser(HttpUser):
    """A person of one role, signed in through the web form, in one of the organisations (in turn)."""

    abstract = True
    role: ClassVar[str] = ""
    wait_time = between(PAUSE[0], PAUSE[1])
    _turn: ClassVar[itertools.count[int]]

    def on_start(self) -> None:
        self.org = ORGS[next(type(self)._turn) % len(ORGS)]
        self.sign_in()
        register = self.client.get(f"/o/{self.org}/projects/", name="/o/[org]/projects/")
        self.projects = [int(pk) for pk in re.findall(PROJECT_LINK.format(org=self.org), register.text)]
        self.arrive()

    def arrive(self) -> None:
        visit_every_task(self)

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls._turn = itertools.count()

    def sign_in(self) -> None:
        page = self.client.get("/accounts/login/", name="/accounts/login/")
        login_form = next((fields for fields in forms_of(page.text).values() if "password" in fields), {})
        token = login_form.get("csrfmiddlewaretoken") or self.client.cookies.get("csrftoken", "")
        with self.client.post(
            "/accounts/login/",
            data={"username": f"{self.role}@{self.org}.{DOMAIN}", "password": PASSWORD, "csrfmiddlewaretoken": token},
            name="/accounts/login/ [POST]",
            allow_redirects=False,
            catch_response=True,
        ) as answer:
            if answer.status_code != 302:
                answer.failure(f"sign-in of {self.role}@{self.org} answered {answer.status_code}")

    def page(self, path: str, name: str) -> str:
        return str(self.client.get(path, name=name).text)

    def overview(self) -> None:
        if self.projects:
            pk = self.projects[len(self.projects) // 2]
            self.page(f"/o/{self.org}/projects/{pk}/", "/o/[org]/projects/[id]/")


class Executive(PmoUser):
    role = "executive"
    weight = 3

    @task(3)
    def dashboard(self) -> None:
        self.page(f"/o/{self.org}/dashboard/", "/o/[org]/dashboard/")

    @task(2)
    def register(self) -> None:
        self.page(f"/o/{self.org}/projects/", "/o/[org]/projects/")

    @task(2)
    def project_overview(self) -> None:
        self.overview()


class PmoStaff(PmoUser):
    role = "pmo"
    weight = 4

    @task(3)
    def cockpit(self) -> None:
        self.page(f"/o/{self.org}/cockpit/", "/o/[org]/cockpit/")

    @task(2)
    def register(self) -> None:
        self.page(f"/o/{self.org}/projects/", "/o/[org]/projects/")

    @task(2)
    def risk_register(self) -> None:
        self.page(f"/o/{self.org}/risks/", "/o/[org]/risks/")

    @task(1)
    def inbox(self) -> None:
        self.page(f"/o/{self.org}/inbox/", "/o/[org]/inbox/")


class Manager(PmoUser):
    """One per organisation (the demo has one manager each), so two saves never race for the same draft version."""

    role = "manager"
    fixed_count = 2

    def arrive(self) -> None:
        # The project the manager reports on: the first whose status page offers them to start or save the week.
        self.status_project: int | None = None
        for pk in self.projects:
            self.status_project = pk
            if any(action.endswith(("/start/", "/save/")) for action in self.status_forms()):
                break
        else:
            self.status_project = None
        super().arrive()

    def status_forms(self) -> dict[str, dict[str, str]]:
        path = f"/o/{self.org}/projects/{self.status_project}/status/"
        return forms_of(self.page(path, "/o/[org]/projects/[id]/status/"))

    @task(3)
    def save_weekly_status_draft(self) -> None:
        if self.status_project is None:
            return
        forms = self.status_forms()
        started = next((action for action in forms if action.endswith("/start/")), None)
        if started:
            self.post(started, forms[started], "/o/[org]/projects/[id]/status/[week]/start/")
            forms = self.status_forms()
        save = next((action for action in forms if action.endswith("/save/")), None)
        if save:
            self.post(save, forms[save], "/o/[org]/projects/[id]/status/[week]/save/")

    def post(self, action: str, fields: dict[str, str], name: str) -> None:
        with self.client.post(action, data=fields, name=name, allow_redirects=False, catch_response=True) as answer:
            if answer.status_code != 302:
                answer.failure(f"{name} answered {answer.status_code}")

    @task(1)
    def project_overview(self) -> None:
        self.overview()

    @task(1)
    def inbox(self) -> None:
        self.page(f"/o/{self.org}/inbox/", "/o/[org]/inbox/")


class ApiClient(HttpUser):
    """An integration reading lists through the API with a bearer token (one token per account, got once)."""

    weight = 3
    wait_time = between(PAUSE[0], PAUSE[1])
    _turn: ClassVar[itertools.count[int]] = itertools.count()
    _tokens: ClassVar[dict[str, str]] = {}

    def on_start(self) -> None:
        self.org = ORGS[next(ApiClient._turn) % len(ORGS)]
        account = f"pmo@{self.org}.{DOMAIN}"
        if account not in ApiClient._tokens:
            answer = self.client.post(
                "/api/v1/auth/token/", json={"username": account, "password": PASSWORD}, name="/api/v1/auth/token/"
            )
            ApiClient._tokens[account] = answer.json()["token"]
        self.client.headers["Authorization"] = f"Bearer {ApiClient._tokens[account]}"
        visit_every_task(self)

    @task(3)
    def projects(self) -> None:
        self.client.get(f"/api/v1/orgs/{self.org}/projects/", name="/api/v1/orgs/[org]/projects/")

    @task(2)
    def risks(self) -> None:
        self.client.get(f"/api/v1/orgs/{self.org}/risks/", name="/api/v1/orgs/[org]/risks/")

    @task(2)
    def status_reports(self) -> None:
        self.client.get(f"/api/v1/orgs/{self.org}/status-reports/", name="/api/v1/orgs/[org]/status-reports/")
