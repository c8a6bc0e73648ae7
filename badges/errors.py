"""One error hierarchy for the whole product.

Every error carries a stable machine ``code`` and a human ``description``. The apps map
them to HTTP statuses in one place and the CLI maps them to an exit code and one line.
"""

from __future__ import annotations


class BadgeError(Exception):
    """Raised when anything in the badges library cannot do what it was asked."""

    code = "badge_error"

    def __init__(self, description: str, *, code: str | None = None) -> None:
        super().__init__(description)
        self.description = description
        if code is not None:
            self.code = code

    def __str__(self) -> str:
        return self.description


# --- input and format -------------------------------------------------------------------


class FormatError(BadgeError):
    """Raised when input is not a well-formed credential, token, key or document."""

    code = "format"


class InputTooLargeError(FormatError):
    """Raised when input exceeds a size, depth or count limit."""

    code = "too_large"


class SchemaError(FormatError):
    """Raised when a document does not validate against its JSON schema."""

    code = "schema"


class ContextError(FormatError):
    """Raised when a JSON-LD context is unknown, not bundled, or would drop data."""

    code = "context"


class CanonicalizationError(FormatError):
    """Raised when RDF canonicalisation fails or exceeds its work budget."""

    code = "canonicalization"


class ImageError(FormatError):
    """Raised when an image is not a well-formed PNG or SVG, or its baked badge is unusable."""

    code = "image"


class ImageTooLargeError(ImageError, InputTooLargeError):
    """Raised when an image, its declared dimensions or its baked payload exceed a cap."""

    code = "image_too_large"


class NoBakedBadgeError(ImageError):
    """Raised when a well-formed image carries no baked badge where one is required."""

    code = "image_unbaked"


# --- keys and signatures ---------------------------------------------------------------


class KeyMaterialError(BadgeError):
    """Raised when a key is malformed, of an unsupported type, or cannot be found."""

    code = "key"


class UnsupportedAlgorithmError(KeyMaterialError):
    """Raised when an algorithm, curve, proof type or cryptosuite is not supported."""

    code = "unsupported_algorithm"


class KeyResolutionError(KeyMaterialError):
    """Raised when a verification method or DID cannot be resolved to a published key."""

    code = "key_resolution"


class SignatureError(BadgeError):
    """Raised when a signature or proof does not verify."""

    code = "signature"


class ProofError(SignatureError):
    """Raised when a proof is present but malformed, of the wrong purpose or suite."""

    code = "proof"


# --- status ----------------------------------------------------------------------------


class StatusError(BadgeError):
    """Raised when a status list is malformed, too short, or an index is out of range."""

    code = "status"


class RegistryError(BadgeError):
    """Raised when a registry of trusted issuers cannot be read or is malformed."""

    code = "registry"


class ConfigError(BadgeError):
    """Raised when a setting (an environment variable or an app's config) has a value that
    cannot be used; the message names the setting in one line."""

    code = "config"


# --- remote fetching -------------------------------------------------------------------


class FetchError(BadgeError):
    """Raised when a remote document cannot be fetched."""

    code = "fetch"


class FetchBlockedError(FetchError):
    """Raised when a URL is refused before connecting (scheme, address, allowlist)."""

    code = "fetch_blocked"


class FetchTimeoutError(FetchError):
    """Raised when a fetch runs past its total deadline."""

    code = "fetch_timeout"


class FetchTooLargeError(FetchError):
    """Raised when a response body exceeds the size cap after decoding."""

    code = "fetch_too_large"


class FetchStatusError(FetchError):
    """Raised when the server answers with a non-success HTTP status."""

    code = "fetch_status"

    def __init__(self, description: str, *, status: int) -> None:
        super().__init__(description)
        self.status = status


class FetchBudgetError(FetchError):
    """Raised when one verification's fetch budget is spent: its deadline has passed
    (code ``deadline_exceeded``) or it has made as many fetches as it may (code
    ``fetch_limit_reached``)."""

    code = "fetch_budget"


class FetchSkippedError(FetchError):
    """Raised for a fetch that is not made because it can no longer change the verdict
    (the verification has already found the credential not valid)."""

    code = "verdict_settled"


__all__ = [
    "BadgeError",
    "CanonicalizationError",
    "ContextError",
    "FetchBlockedError",
    "FetchBudgetError",
    "FetchError",
    "FetchSkippedError",
    "FetchStatusError",
    "FetchTimeoutError",
    "FetchTooLargeError",
    "FormatError",
    "ImageError",
    "ImageTooLargeError",
    "InputTooLargeError",
    "KeyMaterialError",
    "KeyResolutionError",
    "NoBakedBadgeError",
    "ProofError",
    "SchemaError",
    "SignatureError",
    "StatusError",
    "UnsupportedAlgorithmError",
]
