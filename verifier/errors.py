"""The verifier's request errors, mapped to HTTP in one place (web.py)."""

from __future__ import annotations

from badges.errors import BadgeError


class VerifierError(BadgeError):
    """Raised when a request to the verifier cannot be served as asked."""

    code = "verifier_error"
    http_status = 400


class BadRequest(VerifierError):
    """Raised when the request itself is malformed (not the badge in it)."""

    code = "bad_request"
    http_status = 400


class TooLarge(VerifierError):
    """Raised when the request or the badge in it is larger than the verifier takes."""

    code = "too_large"
    http_status = 413


class Throttled(VerifierError):
    """Raised when a client sends too many requests; ``retry_after`` says when to retry."""

    code = "too_many_requests"
    http_status = 429

    def __init__(self, description: str, retry_after: int) -> None:
        super().__init__(description)
        self.retry_after = retry_after
