"""``mahnwerk serve``: the REST API on a local port, in front of the embedded stack.

Each HTTP request becomes the API Gateway path of :meth:`LocalStack.api`: the template's TOKEN
authorizer with the ``Authorization`` header (401/403 as API Gateway answers), then the real
``functions/api`` handler with a REST proxy event. Status, headers and body of the handler's
answer go back unchanged (a base64 body is decoded, as API Gateway does).

Like API Gateway, the adapter refuses before any handler runs: bodies over :data:`MAX_BODY`
(413) and methods API Gateway does not route (405). moto and the handlers share one process
(module globals, ``os.environ``, Powertools' current event), so handler calls are serialised;
the threaded server only keeps slow clients from blocking each other.
"""

from __future__ import annotations

import base64
import json
import sys
import threading
import time
import traceback
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from .portal_debtor import Answer
from .stack import LocalStack

#: the adapter's request body limit (API Gateway's own is 10 MB; the local API keeps it at 1 MiB)
MAX_BODY = 1024 * 1024
#: an oversized body up to this size is read and dropped, so the client gets its 413 on a
#: connection that stays usable; beyond it the connection is closed after the answer
DISCARD_LIMIT = 16 * MAX_BODY
#: what an ``ANY`` method of API Gateway routes to the integration
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")


@dataclass
class HttpResponse:
    status: int
    headers: list[tuple[str, str]]
    body: bytes


def _json(status: int, message: str, headers: list[tuple[str, str]] | None = None) -> HttpResponse:
    """An answer API Gateway itself gives (a gateway response), not the handler."""
    body = json.dumps({"message": message}).encode()
    return HttpResponse(status, [("Content-Type", "application/json"), *(headers or [])], body)


class TooLarge(Exception):
    pass


class LocalApi:
    """HTTP request → API Gateway event → authorizer and API function → HTTP response.

    ``clock`` gives the time API Gateway stamps on each request (None: the wall clock).
    ``drain``: after a request that may have queued work (anything but GET/HEAD/OPTIONS), the
    queues are pumped as Lambda's event source mappings would, so e.g. a letter is written."""

    def __init__(self, stack: LocalStack, clock: Callable[[], datetime | None] | None = None,
                 drain: bool = True) -> None:
        self.stack = stack
        self.clock = clock or (lambda: None)
        self.drain = drain
        self.lock = threading.Lock()
        #: ``mahnwerk serve --dev-inbox``: POST /v1/inbox takes a raw e-mail as SES would
        self.dev_inbox = False

    def handle(self, method: str, target: str, headers: list[tuple[str, str]],
               body: bytes | None) -> HttpResponse:
        method = method.upper()
        if method not in METHODS:
            return _json(405, "Method Not Allowed", [("Allow", ", ".join(METHODS))])
        url = urlsplit(target)
        path = url.path or "/"
        if self.dev_inbox and method == "POST" and path == DEV_INBOX_PATH:
            return self._inbox(body or b"")
        # API Gateway REST passes the path as sent (percent-encoded) and the last value of a
        # repeated query parameter in queryStringParameters
        query = dict(parse_qsl(url.query, keep_blank_values=True))
        event_headers: dict[str, str] = {}
        for name, value in headers:
            # one spelling for Content-Type, so the event's default does not sit beside it
            event_headers["Content-Type" if name.lower() == "content-type" else name] = value
        binary: bytes | None = None
        try:
            text = body.decode("utf-8") if body else None
        except UnicodeDecodeError:  # a file upload: passed on base64-encoded, as API Gateway does
            text, binary = None, body
        with self.lock:
            self.stack.now = self.clock()
            seen = len(self.stack.invocations)
            try:
                answer = self.stack.api(method, path, body=text, query=query, headers=event_headers,
                                        binary=binary)
            except Exception:
                # a function error: API Gateway answers 502 and the details stay in the logs
                traceback.print_exc(file=sys.stderr)
                return _json(502, "Internal server error")
            finally:
                raw = next((log.result for log in self.stack.invocations[seen:]
                            if log.function == "ApiFunction"), None)
                del self.stack.invocations[:]  # a server runs for long: keep no history
            if self.drain and method not in {"GET", "HEAD", "OPTIONS"} and raw is not None:
                try:
                    self.stack.drain()
                except Exception:
                    traceback.print_exc(file=sys.stderr)
        if raw is None:  # refused by the authorizer step: API Gateway's own answer, with the
            # template's gateway response headers (the dashboard's 302 names the sign-in page)
            return _json(answer.status, str((answer.body or {}).get("message", "")),
                         [(k, str(v)) for k, v in answer.headers.items()])
        return _from_lambda(raw)


    def _inbox(self, raw: bytes) -> HttpResponse:
        """Store the raw message under mail/ as SES's receipt rule would (verdicts as passed
        unless it carries its own) and let the intake run; the tenant's mail report says what
        became of it (none: refused, as a stranger's mail is — nothing imported, no reply)."""
        from .inbox import deliver

        if not raw.strip():
            return _json(400, "raw MIME message expected as the request body")
        with self.lock:
            self.stack.now = self.clock()
            try:
                key = deliver(self.stack, raw)
                self.stack.drain()
            except Exception:
                traceback.print_exc(file=sys.stderr)
                return _json(502, "Internal server error")
            finally:
                del self.stack.invocations[:]
        body = json.dumps({"stored": key, "message": "delivered to the inbox; see the import "
                           "reports (a refused message imports nothing and gets no reply)"})
        return HttpResponse(202, [("Content-Type", "application/json")], body.encode())


#: the route ``mahnwerk serve --dev-inbox`` adds (never part of the deployed API)
DEV_INBOX_PATH = "/v1/inbox"


def _from_lambda(result: Any) -> HttpResponse:
    """A Lambda proxy integration result as API Gateway turns it into HTTP."""
    if not isinstance(result, dict) or not isinstance(result.get("statusCode"), int):
        return _json(502, "Internal server error")
    merged: dict[str, tuple[str, list[str]]] = {}
    for name, value in (result.get("headers") or {}).items():
        merged[name.lower()] = (name, [str(value)])
    for name, values in (result.get("multiValueHeaders") or {}).items():
        merged[name.lower()] = (name, [str(v) for v in values])  # these win, as in API Gateway
    headers = [(name, value) for key, (name, values) in merged.items()
               if key not in {"content-length", "transfer-encoding", "connection"}
               for value in values]
    raw = result.get("body") or ""
    if result.get("isBase64Encoded"):
        data = base64.b64decode(raw)
    else:
        data = raw.encode() if isinstance(raw, str) else json.dumps(raw).encode()
    return HttpResponse(result["statusCode"], headers, data)


def _handler_class(api: LocalApi, quiet: bool) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "mahnwerk-local"

        def handle_one_request(self) -> None:
            # every method, known or not, takes the same path (BaseHTTPRequestHandler answers
            # 501 for a method it has no do_* for)
            try:
                self.raw_requestline = self.rfile.readline(65537)
                if len(self.raw_requestline) > 65536:
                    self.send_error(414)
                    return
                if not self.raw_requestline:
                    self.close_connection = True
                    return
                if not self.parse_request():
                    return
                self._serve()
                self.wfile.flush()
            except (TimeoutError, ConnectionError):  # the client went away
                self.close_connection = True

        def handle_expect_100(self) -> bool:
            # curl asks before sending a large body: refuse it before it is sent
            length = self.headers.get("Content-Length", "")
            if length.isdigit() and int(length) > MAX_BODY:
                self._send(_json(413, "Request Too Long"), close=True)
                return False
            return super().handle_expect_100()

        def _serve(self) -> None:
            try:
                body = self._read_body()
            except TooLarge as exc:
                self._send(_json(413, "Request Too Long"), close=bool(exc.args and exc.args[0]))
                return
            except ValueError:
                self._send(_json(400, "Bad Request"), close=True)
                return
            response = api.handle(self.command, self.path, list(self.headers.items()), body)
            self._send(response)

        def _read_body(self) -> bytes | None:
            """The request body, or TooLarge(close) once it passes MAX_BODY."""
            if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
                return self._read_chunked()
            length_text = self.headers.get("Content-Length")
            if length_text is None:
                return None
            length = int(length_text)
            if length < 0:
                raise ValueError(length_text)
            if length > MAX_BODY:
                if length > DISCARD_LIMIT:
                    raise TooLarge(True)
                self._discard(length)
                raise TooLarge(False)
            return self.rfile.read(length) if length else None

        def _discard(self, length: int) -> None:
            while length > 0:
                chunk = self.rfile.read(min(length, 65536))
                if not chunk:
                    break
                length -= len(chunk)

        def _read_chunked(self) -> bytes:
            data = bytearray()
            too_large = False
            while True:
                size = int(self.rfile.readline(1024).split(b";", 1)[0].strip() or b"x", 16)
                if size == 0:
                    while self.rfile.readline(65537) not in {b"\r\n", b"\n", b""}:
                        pass  # trailers
                    break
                if len(data) + size > DISCARD_LIMIT:
                    raise TooLarge(True)
                chunk = self.rfile.read(size)
                self.rfile.readline(1024)
                if too_large or len(data) + size > MAX_BODY:
                    too_large = True
                    data.clear()
                    continue
                data += chunk
            if too_large:
                raise TooLarge(False)
            return bytes(data)

        def _send(self, response: HttpResponse, close: bool = False) -> None:
            self.send_response(response.status)
            for name, value in response.headers:
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(response.body)))
            if close:
                self.send_header("Connection", "close")
                self.close_connection = True
            self.end_headers()
            if self.command != "HEAD" and response.status not in {204, 304}:
                self.wfile.write(response.body)

        def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
            if not quiet:  # the access log line on stderr
                super().log_request(code, size)

    return Handler


def make_server(api: LocalApi, host: str = "127.0.0.1", port: int = 3000,
                quiet: bool = False) -> ThreadingHTTPServer:
    server = ThreadingHTTPServer((host, port), _handler_class(api, quiet))
    server.daemon_threads = True
    return server


@contextmanager
def serving(api: LocalApi, host: str = "127.0.0.1", port: int = 0,
            quiet: bool = True) -> Iterator[str]:
    """Serve in a background thread (tests, benchmarks); yields the base URL."""
    server = make_server(api, host, port, quiet)
    thread = threading.Thread(target=server.serve_forever, name="mahnwerk-serve", daemon=True)
    thread.start()
    try:
        yield f"http://{host}:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def running_clock(start: datetime) -> Callable[[], datetime]:
    """A clock that starts at ``start`` and runs at wall-clock speed (the demo's "now")."""
    began = time.monotonic()
    return lambda: start + timedelta(seconds=time.monotonic() - began)


def preload(stack: LocalStack, tenant: str, settings: dict[str, Any], invoice_files: list[Path],
            payment_files: list[Path], start: date, end: date,
            answers: Sequence[Answer] = ()) -> datetime:
    """What ``mahnwerk demo`` does, on a stack that keeps running: the tenant's settings, its
    invoice files on the first morning, each bank statement the morning after its last booking,
    the daily dunning run, day by day, and the debtors' answers on their pages. Returns the
    simulated time of the last run."""
    from .simulation import _at, dunning_hour_of, run_book

    run_book(stack, tenant, settings, invoice_files, payment_files, start, end, answers=answers)
    del stack.invocations[:]
    return _at(end, dunning_hour_of(stack))


class DailyRuns:
    """``mahnwerk serve``'s EventBridge Scheduler: the template's daily dunning run
    (``DunningFunction``, ScheduleV2 at ``DunningHour`` Europe/Berlin) fired on the API's clock,
    then the queues drained, so what is due "today" goes out by itself.

    ``done`` is the last run day already fired (the demo's preload ran its last day). A server
    started after today's hour fires today's run at once, as the deployed schedule would have
    run it. Runs are exactly once per notice (service/dunning.py), so a run the owner started
    with "run now" the same day sends nothing twice."""

    def __init__(self, api: LocalApi, hour: int, done: date | None = None) -> None:
        self.api, self.hour, self.done = api, hour, done
        self.fired: list[datetime] = []

    def now(self) -> datetime:
        from datetime import UTC

        return self.api.clock() or datetime.now(UTC)

    def due(self, now: datetime) -> datetime | None:
        """The scheduled time of the run to fire at ``now`` (None: none is due)."""
        from datetime import time as day_time

        from mahnwerk.domain.dates import BERLIN

        local = now.astimezone(BERLIN)
        at = datetime.combine(local.date(), day_time(self.hour, 0), tzinfo=BERLIN)
        if local < at or (self.done is not None and self.done >= local.date()):
            return None
        return at

    def tick(self) -> bool:
        """Fire the run if one is due; True when it did."""
        at = self.due(self.now())
        if at is None:
            return False
        with self.api.lock:
            self.api.stack.now = at
            try:
                self.api.stack.fire_schedule("DunningFunction", at)
                self.api.stack.drain()
            except Exception:  # as in AWS: the schedule's retry/DLQ; the server keeps serving
                traceback.print_exc(file=sys.stderr)
            finally:
                del self.api.stack.invocations[:]
        self.done = at.date()
        self.fired.append(at)
        return True

    def run_in_background(self, interval: float = 1.0) -> Callable[[], None]:
        """Check every ``interval`` seconds in a daemon thread; returns the function stopping it."""
        stop = threading.Event()

        def loop() -> None:
            while not stop.is_set():
                self.tick()
                stop.wait(interval)

        thread = threading.Thread(target=loop, name="mahnwerk-daily-run", daemon=True)
        thread.start()

        def halt() -> None:
            stop.set()
            thread.join(timeout=30)

        return halt
