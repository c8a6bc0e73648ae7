"""Every public identifier derives from the configured base URL, here and nowhere else."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from badges.dids import did_web_from_url


@dataclass(frozen=True)
class PublicUrls:
    base: str  # e.g. "https://badges.school.lt" or "http://127.0.0.1:5000"

    def __post_init__(self) -> None:
        object.__setattr__(self, "base", self.base.rstrip("/"))

    def platform_did(self) -> str:
        """The deployment's own did:web, the issuer of the CLRs it signs: the base URL's."""
        return did_web_from_url(self.base)

    def platform_verification_method(self, kid: str) -> str:
        return f"{self.platform_did()}#{kid}"

    def platform_did_document(self) -> str:
        """Where the did:web method resolves the platform's DID: ``/.well-known/did.json``
        for a base URL without a path, else ``<path>/did.json``."""
        if urlsplit(self.base).path.strip("/"):
            return f"{self.base}/did.json"
        return f"{self.base}/.well-known/did.json"

    def org(self, slug: str) -> str:
        return f"{self.base}/orgs/{slug}"

    def org_did(self, slug: str) -> str:
        return did_web_from_url(self.org(slug))

    def verification_method(self, slug: str, kid: str) -> str:
        return f"{self.org_did(slug)}#{kid}"

    def did_document(self, slug: str) -> str:
        return f"{self.org(slug)}/did.json"

    def jwks(self, slug: str) -> str:
        return f"{self.org(slug)}/jwks.json"

    def status_list(self, slug: str, purpose: str) -> str:
        return f"{self.org(slug)}/status/{purpose}"

    def revocation_list(self, slug: str) -> str:
        return f"{self.org(slug)}/revocations"

    def endorsement_status_list(self, slug: str) -> str:
        """The Bitstring Status List of the endorsements ``slug`` gave (bit set: withdrawn)."""
        return f"{self.org(slug)}/status/endorsements"

    def endorsement(self, public_id: str) -> str:
        return f"{self.base}/endorsements/{public_id}"

    def achievement(self, public_id: str) -> str:
        return f"{self.base}/achievements/{public_id}"

    def image(self, sha256: str) -> str:
        return f"{self.base}/images/{sha256}"

    def credential(self, public_id: str) -> str:
        return f"{self.base}/credentials/{public_id}"

    def evidence_file(self, public_id: str) -> str:
        return f"{self.base}/evidence/{public_id}"

    def claim(self, token: str) -> str:
        """The claim link in an award message (the token is shown once, stored hashed)."""
        return f"{self.base}/claim/{token}"

    def learner_confirm(self, token: str) -> str:
        return f"{self.base}/learner/confirm/{token}"

    def learner_sign_in(self, token: str) -> str:
        return f"{self.base}/learner/sign-in/{token}"
