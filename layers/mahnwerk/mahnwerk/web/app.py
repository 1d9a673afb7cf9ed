"""The dashboard's resolver: server-rendered pages under ``/app``, on the stack's second REST API
(``DashboardApi``), whose authorizer reads the session cookie.

Only the sign-in page and the static files are reachable without a session (``Authorizer: NONE`` in
the template); every other route gets the tenant from the authorizer's context. The API function
serves both APIs and picks this resolver by path (``is_dashboard``).
"""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.event_handler.exceptions import NotFoundError, UnauthorizedError
from aws_lambda_powertools.shared.cookies import Cookie, SameSite

from ..api.common import ctx, now, request_clock
from ..domain.dates import business_date
from ..domain.errors import MahnwerkError, PageNotFound
from ..service.keys import authenticate
from ..service.sessions import COOKIE, LIFETIME, end_session, start_session
from . import (  # noqa: F401 - they add their routes to pages.router
    credit_page,
    handoff_page,
    pages,
    portal_owner,
    recurring_page,
    review_pages,
    settings_page,
)
from .error_texts import error_text
from .render import html, is_https, redirect, render, view_of

PREFIX = "/app"
STATIC = Path(__file__).parent / "static"
STATIC_TYPES = {"app.css": "text/css; charset=utf-8", "app.js": "text/javascript; charset=utf-8",
                "favicon.svg": "image/svg+xml"}
#: the sign-in form's double-submit cookie (before there is a session to derive a token from)
LOGIN_COOKIE = "mw_login"


def is_dashboard(event: dict[str, Any]) -> bool:
    path = str(event.get("path") or "")
    return path == PREFIX or path.startswith(PREFIX + "/")


def form(body: str | None) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(body or "", keep_blank_values=True).items()}


def build() -> APIGatewayRestResolver:
    app = APIGatewayRestResolver()
    app.use(middlewares=[request_clock])
    app.include_router(pages.router, prefix=PREFIX)

    def anonymous_view() -> Any:
        return view_of(app.current_event, "", business_date(now()))

    def session_cookie(value: str, max_age: int) -> Cookie:
        # HttpOnly: no script reads it; SameSite=Strict: no other site's page sends it
        return Cookie(name=COOKIE, value=value, path="/", secure=is_https(app.current_event),
                      http_only=True, same_site=SameSite.STRICT_MODE, max_age=max_age)

    def login_page(status: int = 200, error: str = "") -> Response[str]:
        view = anonymous_view()
        nonce = secrets.token_urlsafe(24)
        cookie = Cookie(name=LOGIN_COOKIE, value=nonce, path="/", secure=is_https(app.current_event),
                        http_only=True, same_site=SameSite.STRICT_MODE, max_age=3600)
        body = render("login.html", view, nonce=nonce, login_error=error,
                      signed_out=view.query.get("out") == "1")
        return html(body, status, [cookie])

    @app.get(f"{PREFIX}/login")
    def login_form() -> Response[str]:
        return login_page()

    @app.post(f"{PREFIX}/login")
    def login() -> Response[str]:
        event = app.current_event
        data = form(event.decoded_body)
        view = anonymous_view()
        jar_nonce = pages.cookie(event, LOGIN_COOKIE)
        if not jar_nonce or not secrets.compare_digest(jar_nonce, data.get("nonce", "")):
            return login_page(400, "login_expired")
        found = authenticate(ctx(), data.get("key", ""))
        if found is None or found.revoked:
            return login_page(401, "login_failed")
        token, _ = start_session(ctx(), found, now())
        return redirect(view.url(f"{PREFIX}/"), [
            session_cookie(token, int(LIFETIME.total_seconds())),
            Cookie(name=LOGIN_COOKIE, value="", path="/", secure=is_https(event), http_only=True,
                   same_site=SameSite.STRICT_MODE, max_age=0)])

    @app.post(f"{PREFIX}/logout")
    def logout() -> Response[str]:
        view = pages.signed_in()
        pages.check_csrf(view, form(app.current_event.decoded_body))
        end_session(ctx(), view.token)
        return redirect(view.url(f"{PREFIX}/login", out=1), [session_cookie("", 0)])

    @app.get(f"{PREFIX}/static/<name>")
    def static(name: str) -> Response[str]:
        if name not in STATIC_TYPES:
            raise NotFoundError(name)
        return Response(status_code=200, content_type=STATIC_TYPES[name],
                        body=(STATIC / name).read_text(encoding="utf-8"),
                        headers={"Cache-Control": "public, max-age=3600",
                                 "X-Content-Type-Options": "nosniff"})

    def error_page(exc: MahnwerkError) -> Response[str]:
        """Every error a page raises, mapped once: sign-in errors to the sign-in page, the rest
        to the error page with the error's status and its text in the page's language."""
        view = anonymous_view()
        if exc.status == 401:
            return redirect(view.url(f"{PREFIX}/login"))
        if exc.status == 404:
            return html(render("error.html", view, title=view.t("not_found"),
                               message=view.t("not_found_text")), 404)
        reason = error_text(view.lang, exc)
        frame = {409: "conflict", 400: "bad_request"}.get(exc.status)
        message = view.t(frame, reason=reason) if frame else reason
        return html(render("error.html", view, title=view.t("error_title"), message=message),
                    exc.status)

    @app.exception_handler(MahnwerkError)
    def mahnwerk_error(exc: MahnwerkError) -> Response[str]:
        return error_page(exc)

    @app.exception_handler(UnauthorizedError)
    def unauthorized(exc: UnauthorizedError) -> Response[str]:
        return error_page(pages.SignIn())

    @app.exception_handler(NotFoundError)
    def not_found(exc: NotFoundError) -> Response[str]:
        return error_page(PageNotFound())

    @app.not_found
    def no_route(exc: Exception) -> Response[str]:
        return error_page(PageNotFound())

    return app
