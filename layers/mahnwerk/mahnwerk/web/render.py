"""Rendering: one Jinja2 environment (autoescape on), the request's view of language, base path,
tenant and CSRF token, and the HTML responses with their security headers."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.shared.cookies import Cookie, SameSite
from aws_lambda_powertools.utilities.data_classes.common import BaseProxyEvent
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from ..domain.dates import BERLIN
from ..domain.money import from_str
from ..domain.reasons import Reason, reason_text
from ..letters.formatting import format_date, format_money
from ..service.sessions import COOKIE, cookies, csrf_token
from .i18n import LANGS, TEXTS, translate

TEMPLATES = Path(__file__).parent / "templates"
LANG_COOKIE = "mw_lang"

#: No inline script, no foreign origin: styles and script come from /app/static only; charts are
#: inline SVG markup (not a resource), letter PDFs come from our own origin.
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
#: reasons the services write (English, for logs and the API) → the dashboard's words
KNOWN_REASONS = {
    "post letter held: the customer's postal address is incomplete": "held_address",
    "paid in the meantime: nothing left to claim": "held_paid",
}
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
    "Strict-Transport-Security": "max-age=31536000",
}


def path_segment(value: object) -> str:
    """A value as one path segment: only what would end or break the segment is escaped (an
    invoice number ``RE/2026/1``, a space); ``:`` and friends stay readable, as in the API's URLs."""
    return quote(str(value), safe=":@!$&'()*+,;=-._~")


@lru_cache(maxsize=1)
def environment() -> Environment:
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]),
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters["q"] = path_segment
    return env


def header(event: BaseProxyEvent, name: str) -> str:
    for key, value in (event.headers or {}).items():
        if key.lower() == name.lower() and isinstance(value, str):
            return value
    return ""


def base_path(event: BaseProxyEvent) -> str:
    """Where the dashboard lives on this host: ``/{stage}`` on an execute-api host, nothing on a
    custom domain (base path mapping) or the local server."""
    if ".execute-api." in header(event, "Host"):
        stage = (event.raw_event.get("requestContext") or {}).get("stage") or ""
        return f"/{stage}" if stage else ""
    return ""


def is_https(event: BaseProxyEvent) -> bool:
    return header(event, "X-Forwarded-Proto").lower() != "http"


@dataclass
class View:
    """What every page knows about its request."""

    lang: str
    base: str
    token: str
    tenant: str
    path: str
    query: Mapping[str, str]
    today: date
    #: the language came with ?lang=: remember it in a cookie
    remember_lang: bool = False

    # --- helpers the templates use -----------------------------------------------------------
    def t(self, key: str, **values: object) -> str:
        return translate(self.lang, key, **values)

    def url(self, path: str, **query: object) -> str:
        params = {k: str(v) for k, v in query.items() if v not in (None, "")}
        return f"{self.base}{path}" + (f"?{urlencode(params)}" if params else "")

    def lang_url(self, lang: str) -> str:
        params = {k: v for k, v in self.query.items() if k not in {"lang", "done", "error"}}
        params["lang"] = lang
        return f"{self.base}{self.path}?{urlencode(params)}"

    @property
    def csrf(self) -> str:
        return csrf_token(self.token)

    def money(self, value: Decimal | str | None, currency: str = "EUR") -> str:
        if value is None or value == "":
            return self.t("none")
        amount = from_str(value) if isinstance(value, str) else value
        return format_money(amount, self.lang, currency or "EUR")

    def date(self, value: date | str | None) -> str:
        if value is None or value == "":
            return self.t("none")
        day = date.fromisoformat(value[:10]) if isinstance(value, str) else value
        return format_date(day, self.lang)

    def datetime(self, value: str | None) -> str:
        if not value:
            return self.t("none")
        try:
            at = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return value
        if at.tzinfo is None:  # a booking date: a day, no time
            return format_date(at.date(), self.lang)
        local = at.astimezone(BERLIN)
        return f"{format_date(local.date(), self.lang)} {local:%H:%M}"

    def share(self, value: Decimal | str | None) -> str:
        if value is None:
            return self.t("none")
        try:
            percent = (Decimal(value) * 100).quantize(Decimal(1))
        except InvalidOperation:
            return str(value)
        return f"{percent} %"

    def channels(self, channels: Any) -> str:
        return " + ".join(self.t(f"channel_{c}") for c in channels)

    def reason(self, value: object) -> str:
        """A reason in the reader's words: a Reason (or an error carrying one: "Kein gültiges
        Datum: „31.11.2026“ …"), an import report's reject (code + params); a known English text
        of the services by its key; any other text as it is."""
        if isinstance(value, BaseException):
            found = getattr(value, "reason", None) or (value.args[0] if value.args else None)
            value = found if isinstance(found, Reason) else str(value)
        if isinstance(value, Reason):
            return value.text(self.lang)
        if isinstance(value, Mapping):
            return reason_text(value, self.lang)
        text = str(value)
        key = KNOWN_REASONS.get(text.strip())
        return self.t(key) if key else text

    def event_label(self, entry: Mapping[str, Any]) -> str:
        """A timeline entry in words: "1. Mahnung verschickt", "Pausiert bis 14.12.2026", …"""
        kind = str(entry.get("kind", ""))
        key = f"ev_{kind}" if f"ev_{kind}" in TEXTS else "ev_other"
        return self.t(key, kind=kind, level=entry.get("level_name") or "",
                      until=self.date(entry.get("until")) if entry.get("until") else "",
                      amount=self.money(entry.get("amount")) if entry.get("amount") else "")

    @staticmethod
    def event_group(kind: str) -> str:
        if kind.startswith("notice_"):
            return "notice"
        if kind in {"payment", "received", "invoice_sent"}:
            return kind.replace("invoice_sent", "received")
        if kind.startswith("email_") or kind.endswith("_held"):
            return "problem"
        return "action"

    def number(self, value: Any) -> str:
        text = str(value)
        return text.replace(".", ",") if self.lang == "de" else text


def view_of(event: BaseProxyEvent, tenant: str, today: date) -> View:
    query = dict(event.query_string_parameters or {})
    jar = cookies(header(event, "Cookie"))
    asked = query.get("lang", "")
    lang = asked if asked in LANGS else jar.get(LANG_COOKIE, "")
    if lang not in LANGS:
        lang = "de"  # German unless the owner chose English (the browser's language does not count)
    return View(lang=lang, base=base_path(event), token=jar.get(COOKIE, ""), tenant=tenant,
                path=event.path, query=query, today=today, remember_lang=asked in LANGS)


def lang_cookie(view: View, secure: bool) -> list[Cookie]:
    if not view.remember_lang:
        return []
    return [Cookie(name=LANG_COOKIE, value=view.lang, path="/", secure=secure, http_only=True,
                   same_site=SameSite.LAX_MODE, max_age=365 * 24 * 3600)]


def render(template: str, view: View, **context: Any) -> str:
    context.setdefault("done", "")
    context.setdefault("error", "")
    return environment().get_template(template).render(v=view, t=view.t, **context)


def html(body: str, status: int = 200, cookies_: list[Cookie] | None = None,
         headers: Mapping[str, str] | None = None) -> Response[str]:
    return Response(status_code=status, content_type="text/html; charset=utf-8", body=body,
                    headers={**SECURITY_HEADERS, **(headers or {})}, cookies=cookies_ or [])


def redirect(location: str, cookies_: list[Cookie] | None = None) -> Response[str]:
    """303 See Other: after a form POST the browser GETs the page (no resubmission on reload)."""
    return Response(status_code=303, content_type="text/plain; charset=utf-8", body="",
                    headers={**SECURITY_HEADERS, "Location": location}, cookies=cookies_ or [])
