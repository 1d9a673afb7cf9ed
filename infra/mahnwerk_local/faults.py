"""The fault matrix: every asynchronous path under duplicate delivery, a crash after each side
effect, throttling and poison messages — run on the embedded stack, checked against the
invariants (nothing lost, no letter twice, the unprocessable in the DLQ with its reason).

The tests (tests/integration/test_fault_matrix.py) run every scenario; ``python -m
mahnwerk_local.faults`` runs them too and writes docs/reliability.md from the results.
"""

from __future__ import annotations

import email
import json
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from botocore.client import BaseClient
from botocore.exceptions import ClientError

from mahnwerk.domain.dates import BERLIN

from .cfn import project_root
from .stack import LambdaCrash, LocalStack

SETTINGS = json.loads((project_root() / "infra/mahnwerk_local/demo/settings.json").read_text("utf-8"))
TENANT = "acme"
CSV = ("Rechnungsnummer;Kundennummer;Kunde;E-Mail;Straße;PLZ;Ort;Rechnungsdatum;Fällig am;Betrag\n"
       "RE-1;K-1;Anna Schmidt;anna@example.org;Weg 1;10115;Berlin;01.10.2026;15.10.2026;119,00\n"
       "RE-2;K-1;Anna Schmidt;anna@example.org;Weg 1;10115;Berlin;05.10.2026;19.10.2026;50,00\n"
       "RE-3;K-2;Ørsted A/S;;Havnegade 1;10115;Berlin;01.10.2026;15.10.2026;1.000,00\n"
       "RE-4;K-4;Mia Wolf;mia@example.org;Ring 2;20095;Hamburg;01.10.2026;15.10.2026;20,00\n"
       ).encode()
NUMBERS = {"RE-1", "RE-2", "RE-3", "RE-4"}
#: the letters of the reminder day: K-1 and K-4 by email, K-2 by post
LETTERS = {"K-1:2026-10-22:L1", "K-2:2026-10-22:L1", "K-4:2026-10-22:L1"}


def berlin(year: int, month: int, day: int, hour: int = 0) -> datetime:
    return datetime(year, month, day, hour, tzinfo=BERLIN)


# --- injecting faults into AWS calls --------------------------------------------------------------

@dataclass(frozen=True)
class Fault:
    """Fail the ``nth`` call of ``service``'s ``operation``: ``crash`` kills the invocation (after
    the call took effect, or before it was made); ``throttle`` answers with the service's
    throttling error."""

    function: str
    service: str
    operation: str
    when: str = "after"  # "after" | "before"
    kind: str = "crash"  # "crash" | "throttle"
    nth: int = 1
    #: how many calls in a row fail from the nth on (a throttle that outlasts every retry: > 5)
    times: int = 1

    def describe(self) -> str:
        if self.kind == "throttle":
            return f"{self.service} {self.operation} throttled in {self.function}"
        return f"crash {self.when} {self.service} {self.operation} in {self.function}"


_THROTTLE_CODES = {"dynamodb": "ProvisionedThroughputExceededException", "ses": "Throttling",
                   "s3": "SlowDown", "sqs": "RequestThrottled"}


@dataclass
class _Trigger:
    fault: Fault
    seen: int = 0
    fired: int = 0
    inside: list[str] = field(default_factory=list)


@contextmanager
def injected(stack: LocalStack, fault: Fault | None) -> Iterator[_Trigger | None]:
    """Arm ``fault`` for calls made while ``fault.function`` runs on ``stack``."""
    if fault is None:
        yield None
        return
    trigger = _Trigger(fault)
    original = BaseClient._make_api_call  # type: ignore[attr-defined]
    invoke = stack.invoke

    def tracked(logical_id: str, event: dict[str, Any]) -> Any:
        trigger.inside.append(logical_id)
        try:
            return invoke(logical_id, event)
        finally:
            trigger.inside.pop()

    def call(client: Any, operation: str, params: dict[str, Any]) -> Any:
        service = client.meta.service_model.service_name
        if (trigger.fired >= fault.times or service != fault.service or operation != fault.operation
                or not trigger.inside or trigger.inside[-1] != fault.function):
            return original(client, operation, params)
        trigger.seen += 1
        if trigger.seen < fault.nth:
            return original(client, operation, params)
        trigger.fired += 1
        if fault.kind == "throttle":
            code = _THROTTLE_CODES.get(service, "Throttling")
            raise ClientError({"Error": {"Code": code, "Message": "Rate exceeded (injected)"}},
                              operation)
        if fault.when == "before":
            raise LambdaCrash(fault.describe())
        original(client, operation, params)  # the call takes effect …
        raise LambdaCrash(fault.describe())  # … and the invocation dies before it learns so

    BaseClient._make_api_call = call  # type: ignore[attr-defined]
    stack.invoke = tracked  # type: ignore[method-assign]
    try:
        yield trigger
    finally:
        BaseClient._make_api_call = original  # type: ignore[attr-defined]
        stack.invoke = invoke  # type: ignore[method-assign]


# --- the paths ------------------------------------------------------------------------------------

def _prepare(stack: LocalStack) -> None:
    from mahnwerk.service.tenants import SETTINGS_KEY

    stack.verify_sender(SETTINGS["sender_email"])
    with stack.service_context() as ctx:
        ctx.tenants.put_document(TENANT, SETTINGS_KEY, SETTINGS, berlin(2026, 10, 1))


def _upload_invoices(stack: LocalStack) -> None:
    stack.now = berlin(2026, 10, 20, 5)
    stack.upload(f"inbox/{TENANT}/invoices/rechnungen.csv", CSV)


def _run_day(stack: LocalStack, fire_twice: bool = False) -> None:
    stack.now = berlin(2026, 10, 22, 6)
    _fire(stack)
    if fire_twice:
        _fire(stack)


def _fire(stack: LocalStack) -> None:
    """EventBridge Scheduler's retry policy: a failed invocation is tried again (at most 5)."""
    assert stack.now is not None
    for _ in range(6):
        try:
            stack.fire_schedule("DunningFunction", stack.now)
            return
        except (Exception, LambdaCrash):  # noqa: S112 - the scheduler retries; outcomes are checked
            continue


STATEMENT = b"""<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"><BkToCstmrStmt>
<GrpHdr><MsgId>F1</MsgId><CreDtTm>2026-10-30T08:00:00</CreDtTm></GrpHdr>
<Stmt><Id>S1</Id><Acct><Id><IBAN>DE02120300000000202051</IBAN></Id></Acct>
<Ntry><Amt Ccy="EUR">119.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts>
<BookgDt><Dt>2026-10-29</Dt></BookgDt><ValDt><Dt>2026-10-29</Dt></ValDt><AcctSvcrRef>A1</AcctSvcrRef>
<NtryDtls><TxDtls><RltdPties><Dbtr><Pty><Nm>Anna Schmidt</Nm></Pty></Dbtr></RltdPties>
<RmtInf><Ustrd>Rechnung RE-1</Ustrd></RmtInf></TxDtls></NtryDtls></Ntry>
<Ntry><Amt Ccy="EUR">33.33</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts>
<BookgDt><Dt>2026-10-29</Dt></BookgDt><ValDt><Dt>2026-10-29</Dt></ValDt><AcctSvcrRef>A2</AcctSvcrRef>
<NtryDtls><TxDtls><RmtInf><Ustrd>Spende</Ustrd></RmtInf></TxDtls></NtryDtls></Ntry>
</Stmt></BkToCstmrStmt></Document>
"""


def _bounce(stack: LocalStack) -> None:
    """SES reports a permanent bounce of K-1's letter through SNS into the FeedbackQueue."""
    from mahnwerk.service.dunning import feedback_tag

    tag = feedback_tag(TENANT, "K-1", "K-1:2026-10-22:L1")
    message = {"eventType": "Bounce",
               "bounce": {"bounceType": "Permanent", "timestamp": "2026-10-23T09:00:00.000Z",
                          "bouncedRecipients": [{"emailAddress": "anna@example.org"}]},
               "mail": {"timestamp": "2026-10-22T06:00:00.000Z", "tags": {"mw": [tag]}}}
    body = json.dumps({"Type": "Notification", "Message": json.dumps(message)})
    url = stack.resolver.values["FeedbackQueue"]
    stack.client("sqs").send_message(QueueUrl=url, MessageBody=body)


# --- checking the outcome ---------------------------------------------------------------------------

@dataclass
class Outcome:
    invoices: set[str]
    letters: Counter[str]  # notice id → emails sent
    notices: dict[str, str]  # notice id → status
    payments: dict[str, str]  # payment id → status
    email_status: str
    dead_letters: dict[str, list[str]]  # queue → message bodies
    #: payment ids in published PaymentMatched/PaymentUnmatched events, invoices in InvoicePaid
    payment_events: set[str] = field(default_factory=set)
    paid_events: set[str] = field(default_factory=set)
    #: payment ids whose outbox still holds events after the queues settled
    outboxes: set[str] = field(default_factory=set)


def _observe(stack: LocalStack) -> Outcome:
    with stack.service_context() as ctx:
        invoices = {inv.number for inv in ctx.invoices.invoices(TENANT)}
        notices = {n.notice_id: n.status for n in ctx.notices.notices(TENANT)}
        items = ctx.payments.payments(TENANT)
        payments = {str(p.sk).removeprefix("PAY#"): p.status for p in items}
        outboxes = {str(p.sk).removeprefix("PAY#") for p in items if p.outbox}
        customer = ctx.customers.get_customer(TENANT, "K-1")
    published = stack.published_events()
    payment_events = {e["detail"]["payment_id"] for e in published
                      if e["detail-type"] in {"PaymentMatched", "PaymentUnmatched"}}
    paid_events = {e["detail"]["invoice_number"] for e in published
                   if e["detail-type"] == "InvoicePaid"}
    letters: Counter[str] = Counter()
    for raw in stack.sent_emails():
        message = email.message_from_bytes(raw)
        letters[str(message["X-Mahnwerk-Notice"] or message["Subject"])] += 1
    sqs = stack.client("sqs")
    dead: dict[str, list[str]] = {}
    for logical in stack.dead_letter_queues():
        url = stack.resolver.values[logical]
        bodies = [m["Body"] for m in sqs.receive_message(
            QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=0).get("Messages", [])]
        if bodies:
            dead[logical] = bodies
    return Outcome(invoices, letters, notices, payments,
                   customer.email_status if customer else "", dead, payment_events, paid_events,
                   outboxes)


def _redrive(stack: LocalStack) -> int:
    """The documented redrive: move every DLQ message back to its source queue (in AWS: SQS
    "Start DLQ redrive" in the console, or ``aws sqs start-message-move-task``)."""
    sqs = stack.client("sqs")
    moved = 0
    sources = {spec["Properties"]["RedrivePolicy"]["deadLetterTargetArn"]["Fn::GetAtt"][0]: name
               for name, spec in stack.template["Resources"].items()
               if spec["Type"] == "AWS::SQS::Queue" and "RedrivePolicy" in spec.get("Properties", {})}
    for dlq, source in sources.items():
        url = stack.resolver.values[dlq]
        while True:
            got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
            if not got:
                break
            for m in got:
                sqs.send_message(QueueUrl=stack.resolver.values[source], MessageBody=m["Body"])
                sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
                moved += 1
    return moved


# --- scenarios ----------------------------------------------------------------------------------------

Step = Callable[[LocalStack], None]
Check = Callable[["Outcome"], list[str]]


def _nothing(stack: LocalStack) -> None:
    return None


@dataclass
class Scenario:
    path: str
    name: str
    fault: Fault | None
    #: what happens before the fault is armed
    setup: Step
    #: what runs with the fault armed (the path under test)
    action: Step
    #: what must hold afterwards; returns the failed checks
    expect: Check
    #: after the queues settled, redrive the dead-letter queues (the documented procedure)
    redrive: bool = False

    @property
    def id(self) -> str:
        return f"{self.path}: {self.name}"


def _all_invoices(o: Outcome) -> list[str]:
    return [] if o.invoices == NUMBERS else [f"invoices {sorted(o.invoices)} != {sorted(NUMBERS)}"]


def _letters_once(o: Outcome) -> list[str]:
    problems = [f"{n} emailed {c} times" for n, c in o.letters.items() if c > 1]
    sent = {n for n, st in o.notices.items() if st == "sent"}
    if sent != LETTERS:
        problems.append(f"letters sent: {sorted(sent)} (want {sorted(LETTERS)})")
    if set(o.letters) != {"K-1:2026-10-22:L1", "K-4:2026-10-22:L1"}:
        problems.append(f"emails: {sorted(o.letters)}")
    return problems


def _no_dead(o: Outcome) -> list[str]:
    return [f"unexpected dead letters in {sorted(o.dead_letters)}"] if o.dead_letters else []


def _payments_booked(o: Outcome) -> list[str]:
    statuses = sorted(o.payments.values())
    return [] if statuses == ["matched", "unmatched"] else [f"payments {statuses}"]


def _payment_events(o: Outcome) -> list[str]:
    """Every booking's events reached the bus (at least once), and no outbox is left over."""
    problems = []
    if o.payment_events != set(o.payments):
        problems.append(f"payment events for {sorted(o.payment_events)}, booked {sorted(o.payments)}")
    if o.paid_events != {"RE-1"}:
        problems.append(f"InvoicePaid for {sorted(o.paid_events)} (want RE-1)")
    if o.outboxes:
        problems.append(f"events left in the outbox of {sorted(o.outboxes)}")
    return problems


def _bounced(o: Outcome) -> list[str]:
    return [] if o.email_status == "bounced" else [f"email status {o.email_status!r}"]


def _in_dlq(queue: str) -> Check:
    def check(o: Outcome) -> list[str]:
        problems = _all_invoices(o)
        if queue not in o.dead_letters:
            problems.append(f"the poison message is not in {queue}")
        if set(o.dead_letters) - {queue}:
            problems.append(f"unexpected dead letters in {sorted(set(o.dead_letters) - {queue})}")
        return problems
    return check


def _all(*checks: Check) -> Check:
    return lambda o: [p for c in checks for p in c(o)]


# steps

def _intake(stack: LocalStack) -> None:
    _upload_invoices(stack)
    stack.drain()


def _intake_twice(stack: LocalStack) -> None:
    _upload_invoices(stack)
    url = stack.resolver.values["IntakeQueue"]
    sqs = stack.client("sqs")
    for m in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10,
                                 VisibilityTimeout=0).get("Messages", []):
        if "ObjectCreated" in m["Body"]:  # S3 delivers the notification a second time
            sqs.send_message(QueueUrl=url, MessageBody=m["Body"])
    stack.drain()


def _day(stack: LocalStack) -> None:
    _run_day(stack)
    stack.drain()


def _day_twice(stack: LocalStack) -> None:
    _run_day(stack, fire_twice=True)
    stack.drain()


def _requests_twice(stack: LocalStack) -> None:
    """Every notice request reaches the notice worker twice."""
    stack.now = berlin(2026, 10, 22, 6)
    url = stack.resolver.values["NoticeQueue"]
    sqs = stack.client("sqs")
    stack.fire_schedule("DunningFunction", stack.now)
    bodies = []
    while got := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []):
        for m in got:
            bodies.append(m["Body"])
            sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
    for body in bodies + bodies:
        sqs.send_message(QueueUrl=url, MessageBody=body)
    stack.drain()


def _statement(twice: bool) -> Step:
    def run(stack: LocalStack) -> None:
        stack.now = berlin(2026, 10, 30, 8)
        stack.upload(f"inbox/{TENANT}/bank/auszug.xml", STATEMENT)
        if twice:
            stack.upload(f"inbox/{TENANT}/bank/auszug-nochmal.xml", STATEMENT)
        stack.drain()
    return run


def _feedback(twice: bool) -> Step:
    def run(stack: LocalStack) -> None:
        _bounce(stack)
        if twice:
            _bounce(stack)
        stack.drain()
    return run


def _poison(queue: str, body: str) -> Step:
    def run(stack: LocalStack) -> None:
        stack.client("sqs").send_message(QueueUrl=stack.resolver.values[queue], MessageBody=body)
        stack.drain()
    return run


def _imported(stack: LocalStack) -> None:
    _intake(stack)


def _imported_and_sent(stack: LocalStack) -> None:
    _intake(stack)
    _day(stack)


def scenarios() -> list[Scenario]:
    intake_ok = _all(_all_invoices, _no_dead)
    letters_ok = _all(_all_invoices, _letters_once, _no_dead)
    paid_ok = _all(_all_invoices, _payments_booked, _payment_events, _no_dead)
    bounce_ok = _all(_letters_once, _bounced, _no_dead)
    crash = Fault
    return [
        Scenario("intake", "S3 event delivered twice", None, _nothing, _intake_twice, intake_ok),
        Scenario("intake", "crash before the invoices are written",
                 crash("IntakeFunction", "dynamodb", "TransactWriteItems", "before"),
                 _nothing, _intake, intake_ok),
        Scenario("intake", "crash after the invoices are written",
                 crash("IntakeFunction", "dynamodb", "TransactWriteItems", "after"),
                 _nothing, _intake, intake_ok),
        Scenario("intake", "crash after the import report is stored",
                 crash("IntakeFunction", "s3", "PutObject", "after"), _nothing, _intake, intake_ok),
        Scenario("intake", "DynamoDB throttles the write",
                 crash("IntakeFunction", "dynamodb", "TransactWriteItems", kind="throttle"),
                 _nothing, _intake, intake_ok),
        Scenario("intake", "throttled on every attempt: DLQ, then redrive",
                 crash("IntakeFunction", "s3", "PutObject", kind="throttle", times=5),
                 _nothing, _intake, intake_ok, redrive=True),
        Scenario("intake", "poison message (not an S3 event)", None, _imported,
                 _poison("IntakeQueue", '{"Records": [{"s3": 42}]}'), _in_dlq("IntakeDeadLetterQueue")),
        Scenario("scheduler", "schedule fired twice", None, _imported, _day_twice, letters_ok),
        Scenario("scheduler", "crash after the requests are queued",
                 crash("DunningFunction", "sqs", "SendMessageBatch", "after"),
                 _imported, _day, letters_ok),
        Scenario("scheduler", "SQS throttles the requests",
                 crash("DunningFunction", "sqs", "SendMessageBatch", kind="throttle"),
                 _imported, _day, letters_ok),
        Scenario("notice", "request delivered twice", None, _imported, _requests_twice, letters_ok),
        Scenario("notice", "crash before the reservation",
                 crash("NoticeFunction", "dynamodb", "TransactWriteItems", "before"),
                 _imported, _day, letters_ok),
        Scenario("notice", "crash after the reservation",
                 crash("NoticeFunction", "dynamodb", "TransactWriteItems", "after"),
                 _imported, _day, letters_ok),
        Scenario("notice", "crash after the PDF is stored",
                 crash("NoticeFunction", "s3", "PutObject", "after"), _imported, _day, letters_ok),
        Scenario("notice", "crash after SES accepted the email",
                 crash("NoticeFunction", "ses", "SendRawEmail", "after"), _imported, _day, letters_ok),
        Scenario("notice", "SES throttles the send",
                 crash("NoticeFunction", "ses", "SendRawEmail", kind="throttle"),
                 _imported, _day, letters_ok),
        Scenario("notice", "poison message (invalid tenant)", None, _imported,
                 _poison("NoticeQueue", json.dumps({
                     "tenant_id": "NOT VALID", "customer_id": "x", "run_date": "2026-10-22",
                     "scheduled_time": "2026-10-22T06:00:00+02:00"})),
                 _in_dlq("NoticeDeadLetterQueue")),
        Scenario("reconcile", "bank statement uploaded twice", None, _imported, _statement(True),
                 paid_ok),
        Scenario("reconcile", "crash after the first payment is booked",
                 crash("IntakeFunction", "dynamodb", "TransactWriteItems", "after"),
                 _imported, _statement(False), paid_ok),
        Scenario("reconcile", "crash before the payment events are published",
                 crash("IntakeFunction", "events", "PutEvents", "before"),
                 _imported, _statement(False), paid_ok),
        Scenario("reconcile", "DynamoDB throttles the booking",
                 crash("IntakeFunction", "dynamodb", "TransactWriteItems", kind="throttle"),
                 _imported, _statement(False), paid_ok),
        Scenario("feedback", "bounce delivered twice", None, _imported_and_sent, _feedback(True),
                 bounce_ok),
        Scenario("feedback", "crash after the email status is stored",
                 crash("FeedbackFunction", "dynamodb", "UpdateItem", "after"),
                 _imported_and_sent, _feedback(False), bounce_ok),
        Scenario("feedback", "poison message (not JSON)", None, _imported_and_sent,
                 _poison("FeedbackQueue", "this is not json"),
                 _all(_letters_once, _in_dlq("FeedbackDeadLetterQueue"))),
    ]


@dataclass
class Result:
    scenario: Scenario
    fired: bool
    problems: list[str] = field(default_factory=list)
    dead_letters: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def passed(self) -> bool:
        return not self.problems and (self.scenario.fault is None or self.fired)


def run(scenario: Scenario) -> Result:
    """One scenario on a fresh stack: prepare, run the path with the fault armed, then let every
    queue settle; the fault fires once (a crash), as a real one would."""
    from mahnwerk.service import delivery

    began = time.perf_counter()
    saved_lease = delivery.LEASE
    # the notice queue's visibility timeout (360 s) is longer than the lease (120 s): by the time
    # SQS redelivers a crashed request, its claim has expired. The simulated clock does not wait.
    delivery.LEASE = timedelta(0)
    try:
        with LocalStack() as stack:
            _prepare(stack)
            scenario.setup(stack)
            with injected(stack, scenario.fault) as trigger:
                scenario.action(stack)
            stack.drain()
            outcome = _observe(stack)
            dead = sorted(outcome.dead_letters)
            if scenario.redrive and outcome.dead_letters:
                _redrive(stack)
                stack.drain()
                outcome = _observe(stack)
    finally:
        delivery.LEASE = saved_lease
    problems = scenario.expect(outcome)
    fired = bool(trigger.fired) if trigger is not None else False
    if scenario.fault is not None and not fired:
        problems.append("the fault never fired: the scenario does not reach that call")
    if scenario.redrive and not dead:
        problems.append("the message never reached a dead-letter queue, so nothing was redriven")
    return Result(scenario, fired, problems, dead, time.perf_counter() - began)


def report(results: list[Result]) -> str:
    lines = [
        "# Reliability: the fault matrix",
        "",
        "Generated by `.venv/bin/python -m mahnwerk_local.faults` (the same scenarios run in the test",
        "suite: `tests/integration/test_fault_matrix.py`). Each scenario runs on a fresh embedded stack",
        "built from `template.yaml`; the fault fires once, then every queue is drained as Lambda's event",
        "source mappings would (a failed message comes back, after 5 receives it goes to the DLQ).",
        "",
        "Invariants checked after each scenario: every invoice of the file is there; each due letter",
        "went out exactly once (emails counted at SES); payments are booked once and their events",
        "reach the bus, none left in an outbox; a bounce is recorded; nothing lands in a dead-letter",
        "queue except the poison message, which does.",
        "",
        "| path | scenario | result | dead-letter queue |",
        "|---|---|---|---|",
    ]
    for r in results:
        state = "passed" if r.passed else "FAILED: " + "; ".join(r.problems)
        lines.append(f"| {r.scenario.path} | {r.scenario.name} | {state} | "
                     f"{', '.join(r.dead_letters) or '–'} |")
    passed = sum(r.passed for r in results)
    lines += [
        "",
        f"{passed} of {len(results)} scenarios passed.",
        "",
        "## Redrive",
        "",
        "A message in a dead-letter queue has failed 5 times; its reason is in the function's log",
        "(the error and the message id). After fixing the cause, move it back: in the SQS console",
        "\"Start DLQ redrive\", or `aws sqs start-message-move-task --source-arn <DLQ ARN>`. Every",
        "path is idempotent, so a redriven message that was partly processed finishes without",
        "doing anything twice (`tests/integration/test_fault_matrix.py::test_a_redriven_message_"
        "finishes_its_work_once`).",
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    results = [run(s) for s in scenarios()]
    path = project_root() / "docs" / "reliability.md"
    path.write_text(report(results), encoding="utf-8")
    for r in results:
        print(f"{'ok  ' if r.passed else 'FAIL'} {r.scenario.id} ({r.seconds:.1f} s)"
              + ("" if r.passed else f": {r.problems}"))
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
