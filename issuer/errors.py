"""The issuer's errors: part of the one hierarchy, mapped to HTTP in one place."""

from __future__ import annotations

from datetime import datetime

from badges.errors import BadgeError, ConfigError


class IssuerError(BadgeError):
    """Raised when the issuer cannot do what a user asked; the message is for that user."""

    code = "issuer_error"
    http_status = 400


class NotFound(IssuerError):
    """Raised when a record does not exist or is not visible to the one asking."""

    code = "not_found"
    http_status = 404


class Forbidden(IssuerError):
    """Raised when someone acts outside their own organisations or role."""

    code = "forbidden"
    http_status = 403


class InvalidInput(IssuerError):
    """Raised when a form or request has bad values; ``fields`` says which and why."""

    code = "invalid_input"
    http_status = 400

    def __init__(self, description: str, *, fields: dict[str, str] | None = None) -> None:
        super().__init__(description)
        self.fields = fields or {}


class Conflict(IssuerError):
    """Raised when a request clashes with the current state (e.g. already revoked)."""

    code = "conflict"
    http_status = 409


class AlreadyAwarded(Conflict):
    """Raised when a learner already holds the badge (not revoked) and awarding it again
    was not confirmed; ``earlier`` is when it was awarded."""

    code = "already_awarded"

    def __init__(self, description: str, *, earlier: datetime) -> None:
        super().__init__(description)
        self.earlier = earlier


class SuspensionUnsupported(Conflict):
    """Raised when suspending a badge whose one status entry is for revocation."""

    code = "suspension_unsupported"


class LinkGone(IssuerError):
    """Raised when a one-time link (a claim, sign-in or confirmation link) was used
    already or has expired: it does nothing, and says so."""

    code = "link_gone"
    http_status = 410


class Unauthorized(IssuerError):
    """Raised when an API request has no valid bearer token (missing, unknown or revoked)."""

    code = "unauthorized"
    http_status = 401


class IdempotencyKeyReused(IssuerError):
    """Raised when an ``Idempotency-Key`` comes back with another request than its first."""

    code = "idempotency_key_reused"
    http_status = 422


class IdempotencyKeyInFlight(Conflict):
    """Raised when an ``Idempotency-Key``'s first request is still being processed."""

    code = "idempotency_key_in_flight"


class PayloadTooLarge(IssuerError):
    """Raised when a request body is larger than the API reads (the same code as the
    server's own limit on any request body)."""

    code = "request_entity_too_large"
    http_status = 413


class TooManyRequests(IssuerError):
    """Raised when someone tries too often (logins)."""

    code = "too_many_requests"
    http_status = 429


class BackupError(IssuerError):
    """Raised when a backup or restore cannot be made (no such file, a tool missing or failing)."""

    code = "backup"
    http_status = 500


class ConfigurationError(IssuerError, ConfigError):
    """Raised at start-up when the configuration cannot work (e.g. no key-encryption key)."""

    code = "configuration"
    http_status = 500
