"""The owner's side of the debtors' pages, in the dashboard: the customers' answers (promises,
"already paid", disputes, broken promises, unmatched claims) and each customer's link with the
button that revokes it. Routes on the dashboard's router (``pages.router``), texts in
``portal_texts`` (kept apart from the dashboard's own to ease merging)."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.event_handler import Response

from ..api.common import ctx, now
from ..service import portal
from .pages import check_csrf, form_data, page, router, signed_in
from .render import View, header, redirect

OWNER_TEXTS: dict[str, tuple[str, str]] = {
    "answers_title": ("Kundenantworten", "Customer answers"),
    "answers_intro": ("Was Ihre Kunden auf ihrer Kontoseite geantwortet haben. Einwände entscheiden "
                      "Sie auf der Rechnung (Einwand klären, gutschreiben, ausbuchen); eine nicht "
                      "gefundene Zahlung beenden Sie mit „Pause beenden“ oder indem Sie die Zahlung "
                      "erfassen.", "What your customers answered on their account page. Decide "
                      "disputes on the invoice (resolve, credit, write off); end an unmatched "
                      "payment claim with “resume” or by recording the payment."),
    "answers_none": ("Keine neuen Antworten.", "No new answers."),
    "answers_clear": ("Als gelesen markieren", "Mark as read"),
    "kind_paid_claim": ("meldet: bereits bezahlt", "says: already paid"),
    "kind_promise": ("sagt Zahlung zu bis {until}", "promises to pay by {until}"),
    "kind_dispute": ("erhebt Einwand", "disputes"),
    "kind_promise_broken": ("Zahlungszusage bis {until} nicht eingehalten",
                            "promise to pay by {until} broken"),
    "kind_paid_claim_unmatched": ("Zahlung nicht gefunden – bitte entscheiden",
                                  "payment not found – please decide"),
    "link_title": ("Kontoseite des Kunden", "Customer's account page"),
    "link_intro": ("Diesen Link drucken wir auf jedes Schreiben. Sie können ihn auch am Telefon "
                   "weitergeben.", "This link is printed on every letter. You may also share it "
                   "by phone."),
    "link_open": ("Seite öffnen", "Open the page"),
    "link_revoke": ("Link sperren (neuer Link mit dem nächsten Schreiben)",
                    "Revoke link (a new one comes with the next letter)"),
    "link_revoked": ("Der alte Link ist gesperrt.", "The old link is revoked."),
}


def pt(view: View, key: str, **values: object) -> str:
    text = OWNER_TEXTS[key][1 if view.lang == "en" else 0]
    return text.format(**values) if values else text


def link_for(view: View, customer_id: str) -> str:
    """The customer's link; without a configured portal address, on this dashboard's host."""
    base = ctx().config.portal_url
    if not base:
        host = header(router.current_event, "Host")
        base = f"https://{host}{view.base}/portal" if host else "/portal"
    return portal.link_url(ctx(), view.tenant, customer_id, now(), base)


@router.get("/portal-answers")
def answers() -> Response[str]:
    view = signed_in()
    items: list[dict[str, Any]] = portal.inbox(ctx(), view.tenant)
    return page(view, "portal_answers.html", items=items, pt=lambda k, **v: pt(view, k, **v))


@router.post("/portal-answers/clear")
def clear() -> Response[str]:
    view = signed_in()
    check_csrf(view, form_data())
    portal.clear_inbox(ctx(), view.tenant, now())
    return redirect(view.url("/app/portal-answers"))


@router.post("/customers/<customer_id>/portal-link/revoke")
def revoke(customer_id: str) -> Response[str]:
    view = signed_in()
    check_csrf(view, form_data())
    portal.revoke(ctx(), view.tenant, customer_id, now())
    return redirect(view.url(f"/app/customers/{customer_id}", portal="revoked"))
