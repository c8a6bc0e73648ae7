"""The issuer's tables, split by aggregate."""

from .accounts import Invitation, LoginSession, LoginThrottle, Membership, Role, User
from .achievements import Achievement, Framework, FrameworkItem, StoredImage
from .awards import Award, AwardBatch, EvidenceFile, OutboxMessage
from .base import Base
from .network import ApiToken, AuditEvent, Endorsement, IdempotencyRecord
from .orgs import Organisation, OrgKind, SigningKey, StatusMethod

__all__ = [
    "Achievement",
    "ApiToken",
    "AuditEvent",
    "Award",
    "AwardBatch",
    "Base",
    "Endorsement",
    "EvidenceFile",
    "Framework",
    "FrameworkItem",
    "IdempotencyRecord",
    "Invitation",
    "LoginSession",
    "LoginThrottle",
    "Membership",
    "OrgKind",
    "Organisation",
    "OutboxMessage",
    "Role",
    "SigningKey",
    "StatusMethod",
    "StoredImage",
    "User",
]
