"""The debtor's page: ``/portal/{tenant}/{customer}/{signature}`` on the dashboard's REST API,
without its session authorizer (the signed link is the credential; ``service.portal``).

White label: the tenant's name and logo only. No script at all (the CSP forbids it), styles from
``/portal/static/portal.css``, images inline (logo, GiroCode). Every refusal of a link is the same
404 page. Each answer is a POST form with a token bound to the link (CSRF); answers are limited
per link and per address (besides the gateway's throttling).
"""

from __future__ import annotations

import base64
import logging
import threading
import time
from collections import deque
from dataclasses import dataclass
from datetime import date
from email.parser import BytesParser
from email.policy import HTTP
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, unquote, urlencode

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.event_handler.exceptions import NotFoundError
from aws_lambda_powertools.utilities.data_classes.common import BaseProxyEvent

from ..api.common import ctx, now, request_clock
from ..domain.errors import MahnwerkError
from ..domain.iban import format_iban
from ..domain.money import from_str
from ..domain.portal import DISPUTE_REASONS, PortalInputError, clean_note, parse_amount, parse_day
from ..intake.guard import Refused
from ..letters.formatting import format_date, format_money
from ..service import portal as service
from .portal_texts import file_reason, translate
from .render import base_path, environment, header

LOG = logging.getLogger("mahnwerk.portal")
PREFIX = "/portal"
STATIC = Path(__file__).parent / "static"
#: no script, no foreign origin; the logo and the GiroCode are data: images
CSP = ("default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
       "frame-ancestors 'none'; base-uri 'none'")
HEADERS = {"Content-Security-Policy": CSP, "X-Content-Type-Options": "nosniff",
           "Referrer-Policy": "no-referrer", "Cache-Control": "no-store",
           "Strict-Transport-Security": "max-age=31536000", "X-Robots-Tag": "noindex, nofollow"}
#: a request body larger than this is refused before it is parsed (5 MB file, base64 and form)
BODY_MAX = 7 * 1024 * 1024


def is_portal(event: dict[str, Any]) -> bool:
    path = str(event.get("path") or "")
    return path == PREFIX or path.startswith(PREFIX + "/")


# --- rate limits -------------------------------------------------------------------------------------

class Limiter:
    """Sliding one-minute windows per key, in this function instance (the gateway's throttling is
    the limit across instances; answers also count per link per day in the table)."""

    def __init__(self, per_minute: int) -> None:
        self.per_minute = per_minute
        self.hits: dict[str, deque[float]] = {}
        self.lock = threading.Lock()

    def allow(self, key: str, at: float | None = None) -> bool:
        at = time.monotonic() if at is None else at
        with self.lock:
            if len(self.hits) > 10_000:
                self.hits.clear()
            window = self.hits.setdefault(key, deque())
            while window and window[0] <= at - 60:
                window.popleft()
            if len(window) >= self.per_minute:
                return False
            window.append(at)
            return True


PER_IP = Limiter(120)
PER_LINK = Limiter(30)
POSTS_PER_LINK = Limiter(6)


class TooMany(MahnwerkError):
    code, status, message = "portal_rate_limited", 429, "too many requests"


def source_ip(event: BaseProxyEvent) -> str:
    return str(((event.raw_event.get("requestContext") or {}).get("identity") or {})
               .get("sourceIp") or "")


# --- rendering ----------------------------------------------------------------------------------------

@dataclass
class PView:
    lang: str
    base: str
    link: str
    query: dict[str, str]

    def t(self, key: str, **values: object) -> str:
        return translate(self.lang, key, **values)

    def money(self, value: Any) -> str:
        return format_money(from_str(value) if isinstance(value, str) else value, self.lang)

    def date(self, value: date | str | None) -> str:
        if not value:
            return ""
        day = date.fromisoformat(value[:10]) if isinstance(value, str) else value
        return format_date(day, self.lang)

    def url(self, path: str = "", **query: str) -> str:
        params = {"lang": self.lang} if self.lang == "en" else {}
        params.update({k: v for k, v in query.items() if v})
        return f"{self.base}{self.link}{path}" + (f"?{urlencode(params)}" if params else "")

    def lang_url(self) -> str:
        other = "de" if self.lang == "en" else "en"
        return f"{self.base}{self.link}?lang={other}"

    def static(self, name: str) -> str:
        return f"{self.base}{PREFIX}/static/{name}"


def page(body: str, status: int = 200) -> Response[str]:
    return Response(status_code=status, content_type="text/html; charset=utf-8", body=body,
                    headers=HEADERS)


def render(template: str, view: PView, **context: Any) -> str:
    return environment().get_template(template).render(v=view, t=view.t, **context)


def _lang(event: BaseProxyEvent, default: str) -> str:
    asked = (event.query_string_parameters or {}).get("lang", "")
    return asked if asked in ("de", "en") else ("en" if default == "en" else "de")


# --- forms -----------------------------------------------------------------------------------------------

def _raw_body(event: BaseProxyEvent) -> bytes:
    body = event.body or ""
    if len(body) > BODY_MAX * 4 // 3 + 4:
        raise PortalInputError("file", "too_large", "5 MB")
    raw = base64.b64decode(body) if event.is_base64_encoded else body.encode("utf-8")
    if len(raw) > BODY_MAX:
        raise PortalInputError("file", "too_large", "5 MB")
    return raw


def read_form(event: BaseProxyEvent) -> tuple[dict[str, list[str]], tuple[str, bytes] | None]:
    """Fields (url-encoded or multipart) and the one file of a multipart form, bounded."""
    raw = _raw_body(event)
    kind = header(event, "Content-Type")
    if not kind.lower().startswith("multipart/form-data"):
        text = raw.decode("utf-8", "replace")
        try:
            return parse_qs(text, keep_blank_values=True, max_num_fields=50), None
        except ValueError as exc:  # more fields than any of the forms has
            raise PortalInputError("form", "invalid") from exc
    message = BytesParser(policy=HTTP).parsebytes(
        f"Content-Type: {kind}\r\n\r\n".encode("latin-1", "replace") + raw)
    fields: dict[str, list[str]] = {}
    upload: tuple[str, bytes] | None = None
    for count, part in enumerate(message.iter_parts()):
        if count > 50:
            break
        name = part.get_param("name", header="content-disposition")
        if not isinstance(name, str):
            continue
        data = part.get_payload(decode=True) or b""
        if not isinstance(data, bytes):
            continue
        if part.get_filename() is not None:
            if data and upload is None:
                upload = (part.get_content_type(), data)
            continue
        fields.setdefault(name, []).append(data.decode("utf-8", "replace")[:5000])
    return fields, upload


def _one(fields: dict[str, list[str]], name: str, limit: int = 200) -> str:
    return (fields.get(name) or [""])[0][:limit]


# --- the resolver --------------------------------------------------------------------------------------

def build() -> APIGatewayRestResolver:
    app = APIGatewayRestResolver()
    app.use(middlewares=[request_clock])
    base_link = PREFIX + "/<tenant>/<customer>/<sig>"

    def limit(link: str, post: bool = False) -> None:
        event = app.current_event
        if not PER_IP.allow(source_ip(event)) or not PER_LINK.allow(link) or \
                (post and not POSTS_PER_LINK.allow(link)):
            raise TooMany

    def opened(tenant: str, customer: str, sig: str, post: bool = False) -> tuple[
            service.Portal, PView]:
        customer = unquote(customer)
        limit(f"{tenant}/{customer}/{sig}", post)
        found = service.open_link(ctx(), tenant, customer, sig, now())
        link = f"{PREFIX}/{tenant}/{quote(customer, safe='')}/{sig}"
        view = PView(_lang(app.current_event, found.customer.locale), base_path(app.current_event),
                     link, dict(app.current_event.query_string_parameters or {}))
        return found, view

    def show(found: service.Portal, view: PView, status: int = 200,
             errors: dict[str, str] | None = None, form: str = "",
             values: dict[str, str] | None = None) -> Response[str]:
        st = service.statement(ctx(), found)
        qr = service.giro_code(found, st)
        done = view.query.get("done", "")
        body = render("portal.html", view, p=found, s=st, company=found.settings.company,
                      bank=found.settings.bank, policy=found.settings.policy,
                      iban=format_iban(found.settings.bank.iban) if found.settings.bank.iban else "",
                      qr=base64.b64encode(qr).decode("ascii") if qr else "",
                      token=found.form_token, done=done if done in {
                          "paid_claim", "promise", "dispute"} else "",
                      errors=errors or {}, form=form, values=values or {},
                      reasons=DISPUTE_REASONS, answerable=[r for r in st.rows if r.answerable],
                      logo=found.settings.company.logo
                      if found.settings.company.logo.startswith("data:image/") else "")
        return page(body, status)

    @app.get(f"{PREFIX}/static/<name>")
    def static(name: str) -> Response[str]:
        if name != "portal.css":
            raise NotFoundError(name)
        return Response(status_code=200, content_type="text/css; charset=utf-8",
                        body=(STATIC / name).read_text(encoding="utf-8"),
                        headers={"Cache-Control": "public, max-age=3600",
                                 "X-Content-Type-Options": "nosniff"})

    @app.get(base_link)
    def statement_page(tenant: str, customer: str, sig: str) -> Response[str]:
        found, view = opened(tenant, customer, sig)
        return show(found, view)

    def pdf(data: bytes, name: str) -> Response[bytes]:
        safe = "".join(c if c.isalnum() or c in "-_." else "-" for c in name)[:80] or "document"
        return Response(status_code=200, content_type="application/pdf", body=data,
                        compress=False, headers={
                            "Content-Disposition": f'inline; filename="{safe}.pdf"',
                            "Cache-Control": "private, no-store", "X-Content-Type-Options": "nosniff",
                            "Content-Security-Policy": "default-src 'none'; sandbox"})

    @app.get(base_link + "/letters/<notice_id>")
    def letter(tenant: str, customer: str, sig: str, notice_id: str) -> Response[bytes]:
        found, _ = opened(tenant, customer, sig)
        return pdf(service.letter_pdf(ctx(), found, unquote(notice_id)), unquote(notice_id))

    @app.get(base_link + "/invoices/<number>")
    def invoice(tenant: str, customer: str, sig: str, number: str) -> Response[bytes]:
        found, _ = opened(tenant, customer, sig)
        return pdf(service.invoice_pdf(ctx(), found, unquote(number)), unquote(number))

    @app.post(base_link + "/<answer>")
    def answer(tenant: str, customer: str, sig: str, answer: str) -> Response[str]:
        if answer not in ("paid", "promise", "dispute"):
            raise service.PortalNotFound
        found, view = opened(tenant, customer, sig, post=True)
        values: dict[str, str] = {}
        try:
            fields, upload = read_form(app.current_event)
            values = {k: v[0][:500] for k, v in fields.items() if k != "token" and v}
            if not service.form_ok(found, _one(fields, "token")):
                return show(found, view, 403, {"form": view.t("err_form")}, answer, values)
            numbers = [n[:64] for n in (fields.get("invoice") or [])][:50]
            at = now()
            if answer == "paid":
                paid_on = parse_day(_one(fields, "paid_on", 20), "paid_on")
                amount = parse_amount(_one(fields, "amount", 30))
                note = clean_note(_one(fields, "note", 2000))
                service.claim_paid(ctx(), found, numbers, paid_on, amount, note, at)
                done = "paid_claim"
            elif answer == "promise":
                until = parse_day(_one(fields, "until", 20), "date")
                service.promise(ctx(), found, numbers, until, at)
                done = "promise"
            else:
                text = clean_note(_one(fields, "text", 2000), "text", required=True)
                service.dispute(ctx(), found, numbers[0] if numbers else "",
                                _one(fields, "reason", 40), text, upload, at)
                done = "dispute"
        except PortalInputError as exc:
            key = f"err_{exc.field}_{exc.kind}"
            return show(found, view, 400, {exc.field: view.t(key, detail=exc.detail)}, answer,
                        values)
        except Refused as exc:
            return show(found, view, 400, {"file": view.t("err_file", detail=file_reason(
                view.lang, exc.message if exc.message != Refused.message else str(exc)))},
                answer, values)
        location = view.url("", done=done) + "#top"
        return Response(status_code=303, content_type="text/plain; charset=utf-8", body="",
                        headers={**HEADERS, "Location": location})

    def error_page(status: int, title: str, text: str) -> Response[str]:
        event = app.current_event
        view = PView(_lang(event, "de"), base_path(event), PREFIX, {})
        return page(render("portal_error.html", view, title=view.t(title), text=view.t(text)),
                    status)

    @app.exception_handler(MahnwerkError)
    def mahnwerk_error(exc: MahnwerkError) -> Response[str]:
        if exc.status == 429:
            return error_page(429, "err_too_many", "err_too_many")
        # every other refusal looks like an unknown page: no oracle (the log keeps the code)
        if not isinstance(exc, service.PortalNotFound):
            LOG.warning("portal request refused", extra={"code": exc.code})
        return error_page(404, "not_found_title", "not_found_text")

    @app.exception_handler(NotFoundError)
    def not_found(exc: NotFoundError) -> Response[str]:
        return error_page(404, "not_found_title", "not_found_text")

    @app.not_found
    def no_route(exc: Exception) -> Response[str]:
        return error_page(404, "not_found_title", "not_found_text")

    return app

