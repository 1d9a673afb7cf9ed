"""The environment a case runs in: the local stack with two tenants, keys and a canary."""

from __future__ import annotations

import json
import socket
import tempfile
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ..cfn import project_root
from .model import CANARY, OTHER, TENANT, Verdict


class Canary:
    """A TCP listener and a file holding a secret token: an XXE or external DTD that reaches out
    (to the network or the file system) shows up here."""

    def __init__(self) -> None:
        self._server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._server.bind(("127.0.0.1", 0))
        self._server.listen(16)
        self._server.setblocking(False)
        self.url = f"http://127.0.0.1:{self._server.getsockname()[1]}"
        self._dir = tempfile.TemporaryDirectory(prefix="mahnwerk-canary-")
        self.file = Path(self._dir.name) / "secret.txt"
        self.file.write_text(CANARY + "\n", encoding="utf-8")

    def touched(self) -> bool:
        try:
            conn, _ = self._server.accept()
        except BlockingIOError:
            return False
        conn.close()
        return True

    def close(self) -> None:
        self._server.close()
        self._dir.cleanup()


class Env:
    def __init__(self, stack: Any, corpus: Path | None) -> None:
        from mahnwerk.service.keys import create_key
        from mahnwerk.service.tenants import SETTINGS_KEY

        self.stack = stack
        self.corpus = corpus if corpus and corpus.is_dir() else None
        self.canary = Canary()
        self.settings = json.loads((project_root() / "infra/mahnwerk_local/demo/settings.json")
                                   .read_text("utf-8"))
        at = datetime(2026, 3, 1, tzinfo=UTC)
        self.keys: dict[str, str] = {}
        with stack.service_context() as ctx:
            for tenant in (TENANT, OTHER):
                ctx.tenants.put_document(tenant, SETTINGS_KEY, self.settings, at)
                self.keys[tenant], _ = create_key(ctx, tenant, "hostile", at)
        stack.verify_sender(self.settings["sender_email"])
        stack.now = datetime(2026, 3, 10, 9, tzinfo=UTC)
        rows = [{"number": f"P-{i}", "customer": {"id": "K-1", "name": "Anna Schmidt"},
                 "issue_date": "2026-03-01", "amount": "10.00"} for i in range(3)]
        for tenant in (TENANT, OTHER):
            assert self.api("POST", "/v1/invoices", {"invoices": rows}, tenant=tenant).status == 200
        self.other_cursor = self.api("GET", "/v1/invoices", tenant=OTHER,
                                     query={"limit": "1"}).body["next_cursor"]

    # --- the API ------------------------------------------------------------------------------
    def api(self, method: str, path: str, body: Any = None, tenant: str = TENANT,
            query: dict[str, str] | None = None) -> Any:
        return self.stack.api(method, path, key=self.keys[tenant], body=body, query=query)

    def api_verdict(self, method: str, path: str, body: Any = None,
                    query: dict[str, str] | None = None) -> Verdict:
        return api_verdict(self.api(method, path, body, query=query))

    # --- S3 --------------------------------------------------------------------------------------
    def put(self, key: str, data: bytes) -> str:
        answer = self.stack.client("s3").put_object(Bucket=self.stack.bucket, Key=key, Body=data)
        return str(answer.get("VersionId") or "")

    def dlq(self) -> int:
        return int(self.stack.queue_depth("IntakeDeadLetterQueue"))

    def s3_file(self, kind: str, name: str, data: bytes) -> Verdict:
        """Upload into the tenant's inbox, let the intake run, read its report."""
        dlq, start = self.dlq(), len(self.stack.invocations)
        version = self.put(f"inbox/{TENANT}/{kind}/{name}", data)
        self.stack.drain()
        errors = [log.error for log in self.stack.invocations[start:] if log.error]
        if errors:
            return Verdict("crashed", first_line(errors[0]))
        if self.dlq() > dlq:
            return Verdict("crashed", "the message went to the intake dead-letter queue")
        report = self.import_report(name, version)
        if report is None:
            return Verdict("crashed", "the intake wrote no import report")
        if self.canary.touched():
            return Verdict("accepted", "the parser connected to the canary URL (SSRF)")
        text = json.dumps(report)
        if CANARY in text:
            return Verdict("accepted", "the canary file's content reached the report (XXE)")
        reasons = "; ".join(f"line {r['line']}: {r['reason']}" if r["line"] else r["reason"]
                            for r in report["rejected"])
        payments = report.get("payments") or {}
        taken = (report["created"] + report["updated"] + report["unchanged"]
                 + payments.get("booked", []) + payments.get("unmatched", []))
        if taken:
            return Verdict("accepted", f"{len(taken)} record(s) taken" + (f"; {reasons}" if reasons else ""))
        if not reasons:
            return Verdict("accepted", "nothing taken and no reason given")
        return Verdict("refused", reasons)

    def import_report(self, name: str, version: str) -> dict[str, Any] | None:
        """The intake's report: keyed by the version when S3 events carry one (AWS), else not
        (moto's events do not)."""
        s3 = self.stack.client("s3")
        for suffix in (f".{version}", "") if version else ("",):
            try:
                body = s3.get_object(Bucket=self.stack.bucket,
                                     Key=f"reports/{TENANT}/imports/{name}{suffix}.json")["Body"]
            except s3.exceptions.NoSuchKey:
                continue
            found: dict[str, Any] = json.loads(body.read())
            return found
        return None

    def s3_corpus(self, kind: str, rel: str) -> Verdict:
        assert self.corpus is not None
        path = self.corpus / rel
        return self.s3_file(kind, "corpus-" + path.name, path.read_bytes())

    def customer_names(self) -> str:
        with self.stack.service_context() as ctx:
            return json.dumps([c.name for c in ctx.customers.customers(TENANT)], ensure_ascii=False)

    def payments(self) -> list[Any]:
        with self.stack.service_context() as ctx:
            return list(ctx.payments.payments(TENANT))


def upload(kind: str, name: str, data: bytes | Callable[[], bytes]) -> Callable[[Env], Verdict]:
    """A case that uploads ``data`` (or what ``data()`` builds, when the case runs) to the inbox."""
    def run(env: Env) -> Verdict:
        return env.s3_file(kind, name, data() if callable(data) else data)
    return run


def request(method: str, path: str, body: Any = None,
            query: dict[str, str] | None = None) -> Callable[[Env], Verdict]:
    def run(env: Env) -> Verdict:
        return env.api_verdict(method, path, body, query)
    return run


def first_line(error: str) -> str:
    lines = [ln for ln in error.splitlines() if ln.strip()]
    last = next((ln for ln in reversed(lines) if ":" in ln and not ln.startswith(" ")), lines[0])
    return last[:300]


def api_verdict(response: Any) -> Verdict:
    body = response.body
    if response.status >= 500:
        return Verdict("crashed", f"HTTP {response.status}: {str(body)[:200]}")
    if response.status >= 400:
        if isinstance(body, dict) and isinstance(body.get("detail"), list):
            parts = [f"{'.'.join(str(p) for p in d.get('loc', []))}: {d.get('type')}"
                     for d in body["detail"][:3]]
            return Verdict("refused", f"HTTP {response.status} ({'; '.join(parts)})")
        message = body.get("message") if isinstance(body, dict) else body
        return Verdict("refused", f"HTTP {response.status}: {str(message)[:240]}")
    return Verdict("accepted", f"HTTP {response.status}")
