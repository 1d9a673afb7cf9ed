"""GDPR: everything held about one debtor, exported (Art. 15) or erased (Art. 17) on the tenant's
request, keeping what commercial and tax law require to be retained. The rules applied, and why,
are in docs/data-protection.md.

The tenant is the controller; Mahnwerk processes on its behalf (Art. 28) and carries out what the
tenant asks through the API. Erasure:

- master data pseudonymised (name → ``gelöscht/erased <hash>``; email, address, email status
  removed) and the customer excluded from dunning, so no letter and no invoice goes out again;
- the name redacted from the payments that refer to the person (payer name, remittance text), and
  the owner's free-text reasons removed from the timeline and the invoices' pause reasons;
- the customer's own timeline (changes of master data) keeps who changed which field when, but
  neither the old nor the new value of a name, e-mail address or address, nor an import's file
  name;
- documents: a post copy (a duplicate of the letter, for the print service) is deleted with every
  version; sent letters, invoices and bank statements are retained and tagged in S3 with the rule
  and the date until which the law requires them, never longer (:func:`purge_expired`);
- an erasure record (what, when, why; no name, no address, no file name) in the tenant's
  partition. Invoices, notices and payments keep their amounts and dates: they are the tenant's
  accounting records, and hold the customer id only.

Idempotent: a second erasure changes nothing and says so; data that came back since (a new import
with the person's row) is erased again and the run is added to the record.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any

from ..adapters.dynamo_models import (
    CustomerItem,
    customer_from_item,
    overrides_from_json,
    overrides_to_json,
)
from ..adapters.privacy import ERASURE_PREFIX, PrivacyStore
from ..domain import events
from ..domain.dates import iso_day, parse_day
from ..domain.model import DomainError, Invoice, check_tenant_id
from ..domain.money import to_str
from ..domain.names import find_name, id_names_person, same_person
from ..domain.notices import Notice, plan_from_json
from ..domain.payment_record import PaymentRecord
from ..domain.redaction import (
    FREE_TEXT_FIELDS,
    OWNER_EVENT_KINDS,
    PSEUDONYM_PREFIX,
    REASONS,
    REDACTED,
    pseudonym,
    redact_name,
    redacted_change,
)
from ..domain.retention import BANK, IMPORT, INVOICE, LETTER, RetentionRule
from .bootstrap import Context
from .invoice_ops import NotFound
from .payments import payment_json
from .portal import forget as forget_portal

TAG_UNTIL = "mahnwerk-retain-until"
TAG_RULE = "mahnwerk-retention"
TAG_ERASURE = "mahnwerk-erasure"



class NotErasable(DomainError):
    code, status, message = "not_erasable", 400, "the customer cannot be erased now"


# --------------------------------------------------------------------------------------------------
# what we hold


@dataclass
class Document:
    key: str
    kind: str  # letter | post_copy | print_bundle | invoice_pdf | invoice_file | import_file
    #          # | bank_statement | import_report
    about: str  # "person" (only this person) | "several" (other people too)
    action: str  # retain | delete | keep
    rule: RetentionRule | None = None
    dated: date | None = None
    size: int = 0
    last_modified: str | None = None

    @property
    def retain_until(self) -> date | None:
        return self.rule.until(self.dated) if self.rule and self.dated else None

    def as_dict(self) -> dict[str, Any]:
        return {"key": self.key, "kind": self.kind, "about": self.about, "action": self.action,
                "size": self.size, "last_modified": self.last_modified,
                "retention": {"rule": self.rule.id, "until": self.retain_until.isoformat()}
                if self.rule and self.retain_until else None}


@dataclass
class Holdings:
    customer: CustomerItem
    invoices: list[Invoice]
    notices: list[Notice]
    sends: list[Any]
    payments: list[tuple[PaymentRecord, bool]]  # (payment, refers to the person)
    documents: list[Document] = field(default_factory=list)


def _load(ctx: Context, store: PrivacyStore, tenant: str, customer_id: str) -> Holdings:
    check_tenant_id(tenant)
    item = store.customer_item(tenant, customer_id)
    if item is None:
        raise NotFound(f"customer {customer_id} not found")
    invoices = sorted(ctx.invoices.customer_invoices(tenant, customer_id),
                      key=lambda i: (i.issue_date, i.number))
    sends = [s for s in (ctx.invoice_sends.get_invoice_send(tenant, i.number) for i in invoices) if s]
    name = "" if item.name.startswith(PSEUDONYM_PREFIX) else item.name
    payments = []
    for p in store.payments(tenant):
        refers = p.customer_id == customer_id or bool(name and same_person(p.debtor_name, name))
        if refers or (name and find_name(p.remittance or "", name, whole_only=True)):
            payments.append((p, refers))
    held = Holdings(item, invoices, store.notices_of(tenant, customer_id), sends, payments)
    held.documents = _documents(store, tenant, customer_id, held)
    return held


def _documents(store: PrivacyStore, tenant: str, customer_id: str, held: Holdings) -> list[Document]:
    docs: dict[str, Document] = {}

    def add(obj: dict[str, Any], kind: str, about: str, action: str,
            rule: RetentionRule | None = None, dated: date | None = None) -> None:
        modified = obj["LastModified"].date() if obj.get("LastModified") else None
        day = max(d for d in (dated, modified) if d) if (dated or modified) else None
        docs.setdefault(obj["Key"], Document(
            obj["Key"], kind, about, action, rule, day, int(obj.get("Size", 0)),
            obj["LastModified"].isoformat() if obj.get("LastModified") else None))

    def current(key: str) -> dict[str, Any] | None:
        live = [v for v in store.versions(key) if not v["DeleteMarker"]]
        return next((v for v in live if v.get("IsLatest")), live[0] if live else None)

    sent_by_pdf = {n.pdf_key: parse_day(n.sent_at or n.reserved_at) for n in held.notices if n.pdf_key}
    prefix = f"notices/{tenant}/{customer_id}/"
    for listed in store.list_objects(prefix):
        if "/" not in listed["Key"][len(prefix):]:
            add(listed, "letter", "person", "retain", LETTER, sent_by_pdf.get(listed["Key"]))
    post_keys = [(n.post_key, parse_day(n.sent_at)) for n in held.notices if n.post_key]
    post_keys += [(s.post_key, parse_day(s.sent_at)) for s in held.sends if s.post_key]
    for key, sent in post_keys:
        if not key.startswith("outbox/post/") or f"/{tenant}/" not in key:
            continue
        if (obj := current(key)) is not None:
            add(obj, "post_copy", "person", "delete")
        folder = key.rsplit("/", 1)[0]
        for name in ("_print.pdf", "_manifest.json"):
            if (obj := current(f"{folder}/{name}")) is not None:
                add(obj, "print_bundle", "several", "retain", LETTER, sent)
    issued = {i.number: i.issue_date for i in held.invoices}
    for send in held.sends:
        if send.pdf_key and send.pdf_key.startswith(f"archive/{tenant}/") and (
                obj := current(send.pdf_key)) is not None:
            add(obj, "invoice_pdf", "person", "retain", INVOICE, issued.get(send.number))
    inbox = f"inbox/{tenant}/"
    sources: dict[str, date] = {}
    for inv in held.invoices:
        if inv.source and inv.source.startswith(inbox + "invoices/"):
            sources[inv.source] = max(sources.get(inv.source, inv.issue_date), inv.issue_date)
    for key, issue in sources.items():
        if (obj := current(key)) is not None:
            if key.lower().endswith((".xml", ".pdf")):
                add(obj, "invoice_file", "person", "retain", INVOICE, issue)
            else:
                add(obj, "import_file", "several", "retain", IMPORT, issue)
    for payment, refers in held.payments:
        source = payment.source or ""
        if refers and source.startswith(inbox + "bank/") and (obj := current(source)) is not None:
            add(obj, "bank_statement", "several", "retain", BANK, parse_day(payment.booking_date))
    for key in [*sources, *(p.source or "" for p, r in held.payments if r)]:
        if not key.startswith(inbox):
            continue
        kind, name = key[len(inbox):].split("/", 1)
        folder = f"reports/{tenant}/{'imports' if kind == 'invoices' else 'bank'}/"
        for listed in store.list_objects(f"{folder}{name}."):
            add(listed, "import_report", "several", "keep")
    return sorted(docs.values(), key=lambda d: (d.kind, d.key))


# --------------------------------------------------------------------------------------------------
# export (Art. 15)


def _invoice(inv: Invoice, events: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "number": inv.number, "issue_date": inv.issue_date.isoformat(),
        "due_date": inv.due_date.isoformat(), "amount": to_str(inv.amount),
        "open_amount": to_str(inv.open_amount), "paid_amount": to_str(inv.paid_amount),
        "fees_open": to_str(inv.fees_open), "interest_paid": to_str(inv.interest_paid),
        "charges_open": to_str(inv.charges_open), "charges_waived": to_str(inv.charges_waived),
        "currency": inv.currency, "status": inv.status.value, "level": inv.level,
        "last_notice_on": iso_day(inv.last_notice_on), "next_action_on": iso_day(inv.next_action_on),
        "paused_until": iso_day(inv.paused_until), "pause_reason": inv.pause_reason or None,
        "received_at": inv.received_at, "source": inv.source, "events": events,
    }


def _notice(item: Notice) -> dict[str, Any]:
    plan = plan_from_json(item.plan)
    return {
        "notice_id": item.notice_id, "status": item.status, "level": plan.level,
        "level_name": plan.level_name, "run_date": plan.run_date.isoformat(),
        "invoices": list(plan.invoice_numbers), "total": to_str(plan.total),
        "channels": [c for c, k in (("email", item.message_id), ("post", item.post_key)) if k],
        "reserved_at": item.reserved_at, "sent_at": item.sent_at, "held_reason": item.held_reason,
        "fallback": item.fallback, "pdf_key": item.pdf_key,
        "letter": f"/v1/notices/{item.notice_id}/letter" if item.pdf_key else None,
    }


def export_customer(ctx: Context, tenant: str, customer_id: str) -> dict[str, Any]:
    """Everything Mahnwerk holds about the person, for the tenant to answer an Art. 15 request."""
    store = ctx.privacy
    held = _load(ctx, store, tenant, customer_id)
    customer = customer_from_item(held.customer, tenant)
    record = ctx.tenants.get_document(tenant, ERASURE_PREFIX + customer_id)
    return {
        "format": "mahnwerk-export/1",
        "tenant": tenant,
        "customer_id": customer_id,
        "customer": {
            "name": customer.name, "email": customer.email or None,
            "address": {"street": customer.address.street or None,
                        "postal_code": customer.address.postal_code or None,
                        "city": customer.address.city or None,
                        "country": held.customer.country},
            "is_consumer": customer.is_consumer, "locale": customer.locale,
            "email_status": customer.email_status or None,
            "overrides": json.loads(held.customer.overrides or "{}"),
            "payment_behaviour": ctx.customers.behaviour(tenant, customer_id),
            "timeline": ctx.customers.customer_events(tenant, customer_id),
            "credit": _credit_export(ctx, tenant, customer_id),
        },
        "invoices": [_invoice(inv, ctx.invoices.events(tenant, inv.number)) for inv in held.invoices],
        "notices": [_notice(n) for n in sorted(held.notices, key=lambda n: n.reserved_at)],
        "invoices_sent": [{"number": s.number, "status": s.status, "sent_at": s.sent_at,
                           "pdf_key": s.pdf_key, "held_reason": s.held_reason,
                           "channels": [c for c, k in (("email", s.message_id), ("post", s.post_key))
                                        if k]} for s in held.sends],
        "payments": [{**payment_json(p), "refers_to_customer": refers}
                     for p, refers in held.payments],
        "documents": [d.as_dict() for d in held.documents],
        "erasure": record,
        "retention_rules": [r.as_dict() for r in (LETTER, INVOICE, BANK, IMPORT)],
    }


# --------------------------------------------------------------------------------------------------
# erasure (Art. 17)


def _credit_export(ctx: Context, tenant: str, customer_id: str) -> dict[str, Any] | None:
    """The customer's credit state (limit, figures, hold, a credit bureau's answer), if any."""
    record = ctx.credit.get_credit(tenant, customer_id)
    return record.as_dict() if record is not None else None


def _erase_credit(ctx: Context, tenant: str, customer_id: str) -> int:
    """The credit state goes (a bureau's answer is personal data; nothing requires keeping it)."""
    if ctx.credit.get_credit(tenant, customer_id) is None:
        return 0
    ctx.credit.delete_credit(tenant, customer_id)
    return 1


def erase_customer(ctx: Context, tenant: str, customer_id: str, at: datetime,
                   reason: str) -> dict[str, Any]:
    if reason not in REASONS:
        raise DomainError(f"reason: one of {', '.join(REASONS)}")
    store = ctx.privacy
    held = _load(ctx, store, tenant, customer_id)
    record_key = ERASURE_PREFIX + customer_id
    record = ctx.tenants.get_document(tenant, record_key)
    reference = record["reference"] if record else "ER-" + hashlib.sha256(
        f"{tenant}\x1f{customer_id}\x1f{at.isoformat()}".encode()).hexdigest()[:12]
    name = "" if held.customer.name.startswith(PSEUDONYM_PREFIX) else held.customer.name
    warnings = []
    if (name and id_names_person(customer_id, name)) or (
            record is not None and record.get("customer_id_names_person")):
        warnings.append("the customer id is made from the name (no customer number was given); it "
                        "stays as the key of the retained records")

    changes = {
        "master_data": _erase_master(store, tenant, customer_id, held.customer),
        "pause_reasons": _erase_pause_reasons(store, tenant, held.invoices),
        "events": _erase_events(store, tenant, held.invoices)
        + _erase_customer_events(store, tenant, customer_id),
        "payments": _erase_payments(store, tenant, held.payments, name),
        # the debtor's page: answers listed for the owner, dispute attachments (service/portal.py)
        "portal": forget_portal(ctx, tenant, customer_id, at),
        "documents_deleted": 0,
        "document_versions_tagged": 0,
        "credit_record": _erase_credit(ctx, tenant, customer_id),
    }
    retained = []
    for doc in held.documents:
        if doc.action == "delete":
            changes["documents_deleted"] += 1 if store.delete_everything(doc.key) else 0
        elif doc.action == "retain" and doc.rule and doc.retain_until:
            changes["document_versions_tagged"] += _tag(store, doc, reference)
            retained.append(doc)
    changed = any(changes.values())
    open_items = [i.number for i in held.invoices if i.open_amount > 0
                  and i.status.value in {"open", "partially_paid", "disputed"}]
    if open_items:
        warnings.append(f"{len(open_items)} invoice(s) still open: Mahnwerk sends nothing more for "
                        "them (the customer is excluded); settle or write them off in your books")
    if any(d.about == "several" for d in retained):
        warnings.append("files that also hold other people's data (CSV exports, bank statements, "
                        "print bundles) are not rewritten; they are deleted whole when their "
                        "retention ends")

    if record is not None and not changed:
        _tell_integrators(ctx, tenant, record, held)  # again, should the first call have died
        return {**_report(record, retained), "status": "already_erased", "changes": changes,
                "warnings": warnings}
    run = {"at": at.isoformat(), "reason": reason, "changes": changes}
    if record is None:
        record = {
            "customer_id": customer_id, "reference": reference, "erased_at": at.isoformat(),
            "reason": reason, "pseudonym": pseudonym(tenant, customer_id),
            "customer_id_names_person": bool(name and id_names_person(customer_id, name)),
            "runs": [], "retained": [], "purged": [],
        }
        status = "erased"
    else:
        status = "erased_again"
    record["runs"].append(run)
    known = {r.get("key") or r.get("key_sha256") for r in record["retained"]}
    for doc in retained:
        entry = _retained_entry(doc)
        if (entry.get("key") or entry.get("key_sha256")) not in known:
            record["retained"].append(entry)
    ctx.tenants.put_document(tenant, record_key, record, at)
    _tell_integrators(ctx, tenant, record, held)
    return {**_report(record, retained), "status": status, "changes": changes, "warnings": warnings}


def _tell_integrators(ctx: Context, tenant: str, record: dict[str, Any], held: Holdings) -> None:
    """CustomerErased on the event bus once the erasure is recorded (GDPR Art. 19); told again,
    the same event, by every later erase call."""
    ctx.events.publish([events.customer_erased(
        tenant, record["customer_id"], record["reference"],
        datetime.fromisoformat(record["erased_at"]), [i.number for i in held.invoices])])


def _report(record: dict[str, Any], retained: list[Document]) -> dict[str, Any]:
    return {
        "customer_id": record["customer_id"], "reference": record["reference"],
        "erased_at": record["erased_at"], "reason": record["reason"],
        "pseudonym": record["pseudonym"],
        "retained": [{"key": d.key, "kind": d.kind, "about": d.about, "rule": d.rule.id if d.rule
                      else None, "until": iso_day(d.retain_until)} for d in retained],
    }


def _retained_entry(doc: Document) -> dict[str, Any]:
    """Keys Mahnwerk made (ids only) are kept as they are; an uploaded file's name is the
    tenant's and may name someone, so only its hash is recorded."""
    where: dict[str, str] = {"key_sha256": hashlib.sha256(doc.key.encode()).hexdigest()} \
        if doc.key.startswith("inbox/") else {"key": doc.key}
    assert doc.rule is not None and doc.retain_until is not None
    return {**where, "kind": doc.kind, "rule": doc.rule.id, "until": doc.retain_until.isoformat()}


def _erase_master(store: PrivacyStore, tenant: str, customer_id: str, item: CustomerItem) -> int:
    overrides = overrides_from_json(item.overrides)
    wanted_overrides = replace(overrides, excluded=True, pause_reason="")
    alias = pseudonym(tenant, customer_id)
    if (item.name == alias and not any((item.email, item.street, item.postal_code, item.city,
                                        item.country, item.email_status))
            and overrides == wanted_overrides):
        return 0
    store.pseudonymise_customer(tenant, customer_id, alias, overrides_to_json(wanted_overrides))
    return 1


def _erase_pause_reasons(store: PrivacyStore, tenant: str, invoices: Iterable[Invoice]) -> int:
    done = 0
    for inv in invoices:
        for _ in range(3):  # an invoice written meanwhile: read it again
            item = store.invoice_item(tenant, inv.number)
            if item is None or not item.pause_reason:
                break
            if store.clear_pause_reason(tenant, inv.number, int(item.version)):
                done += 1
                break
        else:
            raise NotErasable(f"invoice {inv.number} keeps changing; try the erasure again")
    return done


def _erase_events(store: PrivacyStore, tenant: str, invoices: Iterable[Invoice]) -> int:
    done = 0
    for inv in invoices:
        for event in store.event_items(tenant, inv.number):
            detail = json.loads(event.detail or "{}")
            texts = {k: REDACTED for k in FREE_TEXT_FIELDS if detail.get(k) not in (None, "", REDACTED)}
            if event.kind in OWNER_EVENT_KINDS and texts:
                store.redact_event(tenant, str(event.sk), {**detail, **texts})
                done += 1
    return done


def _erase_customer_events(store: PrivacyStore, tenant: str, customer_id: str) -> int:
    done = 0
    for event in store.customer_event_items(tenant, customer_id):
        detail = json.loads(event.detail or "{}")
        redacted = redacted_change(detail)
        if redacted != detail:
            store.redact_event(tenant, str(event.sk), redacted)
            done += 1
    return done


def _erase_payments(store: PrivacyStore, tenant: str, payments: list[tuple[PaymentRecord, bool]],
                    name: str) -> int:
    done = 0
    for payment, refers in payments:
        debtor = payment.debtor_name or ""
        remittance = payment.remittance or ""
        new_debtor = REDACTED if refers and debtor and debtor != REDACTED else debtor
        new_remittance = redact_name(remittance, name, whole_only=not refers) if name else remittance
        if (new_debtor, new_remittance) != (debtor, remittance):
            store.redact_payment(tenant, payment.payment_id, new_debtor, new_remittance)
            done += 1
    return done


def _tag(store: PrivacyStore, doc: Document, reference: str) -> int:
    assert doc.rule is not None and doc.retain_until is not None
    wanted = {TAG_UNTIL: doc.retain_until.isoformat(), TAG_RULE: doc.rule.id, TAG_ERASURE: reference}
    tagged = 0
    for version in store.versions(doc.key):
        if version["DeleteMarker"]:
            continue
        tags = store.tags(doc.key, version["VersionId"])
        if tags.get(TAG_UNTIL, "") > wanted[TAG_UNTIL]:  # a longer period set before stays
            wanted_here = {**wanted, TAG_UNTIL: tags[TAG_UNTIL], TAG_RULE: tags.get(TAG_RULE, "")}
        else:
            wanted_here = wanted
        if {k: tags.get(k) for k in wanted_here} != wanted_here:
            store.put_tags(doc.key, version["VersionId"], {**tags, **wanted_here})
            tagged += 1
    return tagged


# --------------------------------------------------------------------------------------------------
# after the retention period


def purge_expired(ctx: Context, tenant: str, today: date) -> dict[str, int]:
    """Delete the document versions an erasure retained once their period has ended (the day
    after the date in their ``mahnwerk-retain-until`` tag, which holds the longest period any
    erasure asked for). Versions without the tag (a file uploaded again since) are not touched.
    Meant for a daily schedule; returns how many versions were deleted."""
    check_tenant_id(tenant)
    store = ctx.privacy
    inbox: dict[str, str] | None = None
    deleted = 0
    for item in store.records(tenant):
        record = json.loads(item.document)
        purged = {p.get("key") or p.get("key_sha256") for p in record.get("purged", [])}
        changed = False
        for entry in record.get("retained", []):
            ident = entry.get("key") or entry.get("key_sha256")
            if ident in purged or date.fromisoformat(entry["until"]) >= today:
                continue
            key = entry.get("key")
            if key is None:
                if inbox is None:
                    inbox = {hashlib.sha256(o["Key"].encode()).hexdigest(): o["Key"]
                             for o in store.list_objects(f"inbox/{tenant}/")}
                key = inbox.get(str(ident))
            waiting = 0
            for version in store.versions(key) if key else []:
                if version["DeleteMarker"]:
                    continue
                until = store.tags(str(key), version["VersionId"]).get(TAG_UNTIL)
                if until and until < today.isoformat():
                    store.delete_version(str(key), version["VersionId"])
                    deleted += 1
                elif until:
                    waiting += 1  # another erasure asked for longer
            if not waiting:
                record.setdefault("purged", []).append(
                    {k: v for k, v in entry.items() if k in {"key", "key_sha256"}}
                    | {"at": today.isoformat()})
                changed = True
        if changed:
            ctx.tenants.put_document(tenant, str(item.sk), record,
                                  datetime.combine(today, datetime.min.time()))
    return {"deleted": deleted}


__all__ = ["erase_customer", "export_customer", "purge_expired"]
