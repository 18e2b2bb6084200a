"""A local stand-in for the UCDP GED and ACLED APIs (stdlib http.server on loopback), shaped like the real
answers (docs/sources_api.md): UCDP ``{TotalCount, TotalPages, PreviousPageUrl, NextPageUrl, Result}``,
ACLED ``{status, success, count, data}`` and its OAuth token endpoint. Tests set its data and faults and read
its request log; it never leaves 127.0.0.1."""

from __future__ import annotations

import json
import math
import threading
import urllib.parse
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

UCDP_TOKEN = "ucdp-fake-token-3e1f"
ACLED_USER, ACLED_PASSWORD = "analyst@example.org", "fake-acled-password-91c2"


@dataclass
class Fault:
    path: str  # e.g. /api/acled/read
    page: int | None  # the page it hits (None: any)
    status: int
    body: bytes = b'{"error": "fault"}'
    headers: dict = field(default_factory=dict)
    times: int = 1  # how many requests it answers


@dataclass
class FakeState:
    ucdp_versions: dict[str, list[dict]] = field(default_factory=dict)
    acled_events: list[dict] = field(default_factory=list)
    acled_deletions: list[dict] = field(default_factory=list)
    faults: list[Fault] = field(default_factory=list)
    requests: list[tuple[str, str, dict]] = field(default_factory=list)  # (method, path, query)
    valid_tokens: set[str] = field(default_factory=set)
    refresh_tokens: set[str] = field(default_factory=set)
    issued: int = 0
    expire_token_after: int | None = None  # the access token stops working after this many data requests
    data_requests_with_token: dict = field(default_factory=dict)


class FakeApis:
    def __init__(self):
        self.state = FakeState()
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)

    def count(self, path: str) -> int:
        return sum(1 for _, p, _ in self.state.requests if p == path)

    def _handler(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # quiet
                pass

            def _send(self, status: int, body: bytes | dict, headers: dict | None = None):
                data = json.dumps(body).encode() if isinstance(body, dict) else body
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(data)

            def _fault(self, path: str, page: int | None):
                with fake.lock:
                    for fault in fake.state.faults:
                        if fault.times > 0 and fault.path == path and fault.page in (None, page):
                            fault.times -= 1
                            return fault
                return None

            def do_POST(self):
                parsed = urllib.parse.urlparse(self.path)
                form = dict(urllib.parse.parse_qsl(self.rfile.read(int(self.headers["Content-Length"])).decode()))
                with fake.lock:
                    fake.state.requests.append(("POST", parsed.path, {"grant_type": form.get("grant_type")}))
                if parsed.path != "/oauth/token":
                    return self._send(404, {"error": "not found"})
                ok = form.get("client_id") == "acled" and (
                    (
                        form.get("grant_type") == "password"
                        and form.get("username") == ACLED_USER
                        and form.get("password") == ACLED_PASSWORD
                    )
                    or (
                        form.get("grant_type") == "refresh_token"
                        and form.get("refresh_token") in fake.state.refresh_tokens
                    )
                )
                if not ok:
                    return self._send(400, {"error": "invalid_grant"})
                with fake.lock:
                    fake.state.issued += 1
                    access, refresh = f"access-{fake.state.issued}", f"refresh-{fake.state.issued}"
                    fake.state.valid_tokens.add(access)
                    fake.state.refresh_tokens.add(refresh)
                self._send(
                    200, {"token_type": "Bearer", "expires_in": 86400, "access_token": access, "refresh_token": refresh}
                )

            def do_GET(self):
                parsed = urllib.parse.urlparse(self.path)
                query = dict(urllib.parse.parse_qsl(parsed.query))
                with fake.lock:
                    fake.state.requests.append(("GET", parsed.path, query))
                if parsed.path.startswith("/api/gedevents/"):
                    return self._ucdp(parsed.path, query)
                if parsed.path in ("/api/acled/read", "/api/deleted/read"):
                    return self._acled(parsed.path, query)
                self._send(404, {"error": "not found"})

            def _ucdp(self, path: str, query: dict):
                page = int(query.get("page", 0))
                fault = self._fault("/api/gedevents", page)
                if fault:
                    return self._send(fault.status, fault.body, fault.headers)
                if self.headers.get("x-ucdp-access-token") != UCDP_TOKEN:
                    return self._send(401, {"error": "token required"})
                version = path.rsplit("/", 1)[1]
                if version not in fake.state.ucdp_versions:
                    return self._send(404, {"error": "no such version"})
                codes = {int(c) for c in query.get("Country", "").split(",") if c}
                start = query.get("StartDate", "")
                rows = [
                    r
                    for r in fake.state.ucdp_versions[version]
                    if (not codes or int(r["country_id"]) in codes) and r["date_start"][:10] >= start
                ]
                size = int(query.get("pagesize", 100))
                pages = max(1, math.ceil(len(rows) / size))
                base = f"{fake.url}{path}"
                params = {k: v for k, v in query.items() if k != "page"}

                def link(p, base=base, params=params):
                    return f"{base}?{urllib.parse.urlencode({**params, 'page': p})}"

                self._send(
                    200,
                    {
                        "TotalCount": len(rows),
                        "TotalPages": pages,
                        "PreviousPageUrl": link(page - 1) if page > 0 else "",
                        "NextPageUrl": link(page + 1) if page + 1 < pages else "",
                        "Result": rows[page * size : (page + 1) * size],
                    },
                )

            def _acled(self, path: str, query: dict):
                page = int(query.get("page", 1))
                fault = self._fault(path, page)
                if fault:
                    return self._send(fault.status, fault.body, fault.headers)
                token = (self.headers.get("Authorization") or "").removeprefix("Bearer ")
                with fake.lock:
                    used = fake.state.data_requests_with_token.get(token, 0)
                    if (
                        token in fake.state.valid_tokens
                        and fake.state.expire_token_after is not None
                        and used >= fake.state.expire_token_after
                    ):
                        fake.state.valid_tokens.discard(token)  # expired mid-pull
                        fake.state.expire_token_after = None
                    if token not in fake.state.valid_tokens:
                        return self._send(401, {"error": "invalid token"})
                    fake.state.data_requests_with_token[token] = used + 1
                limit = int(query.get("limit", 5000))
                if path == "/api/acled/read":
                    countries = set(query.get("country", "").split("|")) - {""}
                    since = int(query["timestamp"]) if "timestamp" in query else None
                    rows = [
                        r
                        for r in fake.state.acled_events
                        if (not countries or r["country"] in countries)
                        and (since is None or int(r["timestamp"]) >= since)
                    ]
                else:
                    since = int(query["deleted_timestamp"]) if "deleted_timestamp" in query else None
                    rows = [
                        r for r in fake.state.acled_deletions if since is None or int(r["deleted_timestamp"]) >= since
                    ]
                chunk = rows[(page - 1) * limit : page * limit]
                self._send(200, {"status": 200, "success": True, "count": len(chunk), "data": chunk})

        return Handler
