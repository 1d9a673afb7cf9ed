"""The errors a caller is told about: each with a stable machine ``code``, the HTTP ``status`` it
answers with and an English default ``message``.

Every error class of the package derives from ``MahnwerkError`` and names its own code (a unit
test checks the codes are unique and each has a German text in ``web/error_texts.py``). The API maps them
in one handler (``api/app.py``: status, code, English message), the dashboard in one handler
(``web/app.py``: status, German or English text by code). The classes stay where their rule lives
(``domain.actions.NotAllowed``, ``service.ports.Conflict``, …); this module holds the base and
the errors of the transport itself (request bodies, idempotency keys).

An error may carry a ``domain.reasons.Reason`` as its detail (``DateError(Reason("not_a_date",
text=…))``): the API then adds ``reason_code`` and ``params``, the dashboard shows the reason in
German ("Kein gültiges Datum: „31.11.2026“ …") instead of the code's generic text.

Pure: stdlib only, like all of ``domain``.
"""

from __future__ import annotations

from typing import Any, ClassVar


class MahnwerkError(Exception):
    """An error a caller can act on. ``str()`` is the detail (English); ``public_message`` is what
    the API shows: the detail, or the class's ``message`` where the detail is internal."""

    code: ClassVar[str] = "error"
    status: ClassVar[int] = 500
    message: ClassVar[str] = "the request could not be completed"
    #: whether ``str(exc)`` may be shown to the caller (False: internal keys, not for clients)
    public_detail: ClassVar[bool] = True

    @property
    def public_message(self) -> str:
        detail = str(self) if self.public_detail else ""
        return detail or self.message

    def details(self) -> dict[str, Any]:
        """More fields of the API's error body (JSON-ready), besides status, code and message."""
        return {}

    def reason_details(self) -> dict[str, Any]:
        """The detail's reason code and params where the error carries a ``domain.reasons.Reason``
        (its English text is the message; the dashboard renders it in German)."""
        detail = self.args[0] if self.args and self.public_detail else None
        if detail is not None and hasattr(detail, "as_dict") and hasattr(detail, "code"):
            found = detail.as_dict()
            return {"reason_code": found["code"], "params": found["params"]}
        return {}


class RequestInvalid(MahnwerkError):
    """The request does not match the operation's schema (the body lists each field: ``detail``)."""

    code = "validation_failed"
    status = 422
    message = "the request does not match the schema"


class RequestInProgress(MahnwerkError):
    code = "request_in_progress"
    status = 409
    message = "a request with this Idempotency-Key is still running"


class IdempotencyKeyReused(MahnwerkError):
    code = "idempotency_key_reused"
    status = 422
    message = "this Idempotency-Key was used with a different request body"


class UnsupportedMediaType(MahnwerkError):
    code = "unsupported_media_type"
    status = 415
    message = "send the request body as application/json"


class BodyTooDeep(MahnwerkError):
    code = "body_too_deep"
    status = 400
    message = "the request body is nested too deeply"


class PageNotFound(MahnwerkError):
    """No such route or resource (the dashboard's pages; the API's are ``NotFound``)."""

    code = "page_not_found"
    status = 404
    message = "not found"

