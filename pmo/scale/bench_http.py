"""The benchmark's HTTP client: one browser-like user on one ``http.client`` connection, requests in sequence.

It keeps its cookies (session, CSRF) as a browser does, logs in through the login form, and times each request
from sending it to having read the whole body. The connection is kept alive when the server allows it; gunicorn's
sync workers (the production setup) close it after each response, and the client then opens a new one, as a
reverse proxy in front of them would.
"""

from __future__ import annotations

import http.client
import re
import time
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from urllib.parse import urlencode

from pmo.scale.middleware import QUERY_COUNT_HEADER, QUERY_TIME_HEADER

_CSRF_INPUT = re.compile(rb'name="csrfmiddlewaretoken" value="([^"]+)"')
_RETRYABLE = (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError)


class BenchError(RuntimeError):
    """A request the benchmark needs answered normally was not (an unexpected status, a failed login)."""


@dataclass(frozen=True)
class Response:
    status: int
    headers: dict[str, str]
    body: bytes
    seconds: float

    @property
    def queries(self) -> int | None:
        value = self.headers.get(QUERY_COUNT_HEADER.lower())
        return int(value) if value is not None else None

    @property
    def query_ms(self) -> float | None:
        value = self.headers.get(QUERY_TIME_HEADER.lower())
        return float(value) if value is not None else None

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 400

    def csrf_token(self) -> str | None:
        match = _CSRF_INPUT.search(self.body)
        return match.group(1).decode() if match else None


@dataclass
class Client:
    host: str
    port: int
    timeout: float = 120.0
    cookies: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._connection = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)

    def close(self) -> None:
        self._connection.close()

    def request(self, method: str, path: str, *, form: dict[str, str] | None = None) -> Response:
        headers = {"Accept-Language": "en", "User-Agent": "pmo-bench"}
        body = None
        if form is not None:
            body = urlencode(form).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Referer"] = f"http://{self.host}:{self.port}{path}"
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        for attempt in range(2):
            started = time.perf_counter()
            try:
                self._connection.request(method, path, body=body, headers=headers)
                answer = self._connection.getresponse()
                content = answer.read()
            except _RETRYABLE:
                # The server closed a kept-alive connection between two requests: reconnect once.
                self._connection.close()
                if attempt:
                    raise
                continue
            seconds = time.perf_counter() - started
            break
        for cookie in answer.headers.get_all("Set-Cookie") or []:
            parsed: SimpleCookie = SimpleCookie()
            parsed.load(cookie)
            for name, morsel in parsed.items():
                if morsel["max-age"] == "0" or morsel.value == "":
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value
        return Response(
            status=answer.status,
            headers={name.lower(): value for name, value in answer.getheaders()},
            body=content,
            seconds=seconds,
        )

    def get(self, path: str) -> Response:
        return self.request("GET", path)

    def post(self, path: str, form: dict[str, str], *, csrf_from: Response | None = None) -> Response:
        """POST ``form`` with the CSRF token of the page it came from (else the cookie's), as a browser does."""
        token = (csrf_from.csrf_token() if csrf_from is not None else None) or self.cookies.get("csrftoken", "")
        return self.request("POST", path, form={"csrfmiddlewaretoken": token, **form})

    def login(self, email: str, password: str) -> None:
        """Sign in through the login form; ``BenchError`` unless the server accepts it (a redirect and a session)."""
        page = self.get("/accounts/login/")
        if page.status != 200:
            raise BenchError(f"GET /accounts/login/ answered {page.status}")
        answer = self.post("/accounts/login/", {"username": email, "password": password}, csrf_from=page)
        if answer.status != 302 or "sessionid" not in self.cookies:
            raise BenchError(f"the login of {email} failed (HTTP {answer.status})")

    def logout(self) -> None:
        """Sign out (the server deletes the session row the login wrote)."""
        if "sessionid" in self.cookies:
            self.post("/accounts/logout/", {})
