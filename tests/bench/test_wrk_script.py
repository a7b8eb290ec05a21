"""The benchmark's wrk script against a tiny local server: what it sends, what it counts."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs

import pytest

from tests.conftest import require_or_skip

LUA = Path(__file__).resolve().parents[2] / "bench" / "wrk.lua"
UUID4 = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")


class Recorder(BaseHTTPRequestHandler):
    seen: list[dict] = []

    def _answer(self, status: int) -> None:
        self.send_response(status)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def do_GET(self):
        self.seen.append({"method": "GET", "path": self.path, "headers": dict(self.headers)})
        self._answer(500 if self.path == "/broken" else 200)

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"])).decode()
        self.seen.append({"method": "POST", "headers": dict(self.headers), "body": body})
        self._answer(302)

    def log_message(self, *args):
        pass


class Server(ThreadingHTTPServer):
    def handle_error(self, request, client_address):
        # wrk closes its connections when its time is up, some in the middle of a request:
        # socketserver would print that as "Exception occurred during processing of request".
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)


@pytest.fixture
def server():
    if not shutil.which("wrk"):
        require_or_skip("wrk is not installed")
    Recorder.seen = []
    httpd = Server(("127.0.0.1", 0), Recorder)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def wrk(url: str, **env) -> dict:
    proc = subprocess.run(
        ["wrk", "-t", "2", "-c", "4", "-d", "1s", "-s", str(LUA), url],
        env={"PATH": "/usr/bin:/bin", **{f"BENCH_{k.upper()}": v for k, v in env.items()}},
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    (line,) = [x for x in proc.stdout.splitlines() if x.startswith("BENCH_JSON ")]
    return json.loads(line.removeprefix("BENCH_JSON "))


def test_post_sends_a_fresh_uuid_cookie_and_csrf_token_every_time(server):
    result = wrk(
        server + "/observe/",
        method="POST",
        body="client=7&submission_key={uuid}&noticed=A+fall",
        expect="302",
        cookie="sessionid=abc; csrftoken=tok",
        csrf="tok",
    )

    posts = [r for r in Recorder.seen if r["method"] == "POST"]
    assert len(posts) >= 20
    keys = [parse_qs(p["body"])["submission_key"][0] for p in posts]
    assert all(UUID4.match(k) for k in keys)
    assert len(set(keys)) == len(keys)
    assert all(parse_qs(p["body"])["client"] == ["7"] for p in posts)
    assert {p["headers"]["Cookie"] for p in posts} == {"sessionid=abc; csrftoken=tok"}
    assert {p["headers"]["X-CSRFToken"] for p in posts} == {"tok"}
    assert {p["headers"]["Content-Type"] for p in posts} == {"application/x-www-form-urlencoded"}
    assert result["errors"]["unexpected"] == 0
    assert result["requests"] >= len(posts) - 4  # those in flight at the end are not counted
    assert 0 < result["p50_ms"] <= result["p95_ms"] <= result["p99_ms"] <= result["max_ms"]


def test_get_without_cookie_sends_none(server):
    result = wrk(server + "/healthz")

    gets = [r for r in Recorder.seen if r["method"] == "GET"]
    assert gets and all("Cookie" not in g["headers"] for g in gets)
    assert {g["path"] for g in gets} == {"/healthz"}
    assert result["errors"]["unexpected"] == 0
    assert result["rps"] > 0


def test_unexpected_status_is_counted_as_an_error(server):
    result = wrk(server + "/broken", expect="200")

    assert result["requests"] > 0
    assert result["errors"]["unexpected"] == result["requests"]
    assert result["errors"]["first_unexpected_status"] == 500


def test_a_redirect_where_a_page_was_expected_is_an_error(server):
    """A lost session answers a redirect to the sign-in page: wrk calls that a success."""
    result = wrk(server + "/observe/", method="POST", body="x={uuid}", expect="200")

    assert result["errors"]["unexpected"] == result["requests"] > 0
    assert result["errors"]["first_unexpected_status"] == 302
