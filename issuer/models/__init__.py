"""The issuer's tables, split by aggregate."""

from .accounts import Invitation, LoginSession, LoginThrottle, Membership, Role, User
from .achievements import Achievement, Framework, FrameworkItem, StoredImage
from .awards import Award, AwardBatch, EvidenceFile, OutboxMessage
from .base import Base
from .jobs import Job, JobFile, JobStatus
from .learners import (
    ClaimToken,
    Goal,
    GuardianConsent,
    ImportedBadge,
    Learner,
    LearnerEmail,
    LearnerEvidence,
    LearnerSession,
    LearnerToken,
    LearnerTokenPurpose,
    Reflection,
    ShareLink,
    ShareScope,
)
from .network import ApiToken, AuditEvent, Endorsement, IdempotencyRecord
from .orgs import Organisation, OrgKind, SigningKey, StatusMethod

__all__ = [
    "Achievement",
    "ApiToken",
    "AuditEvent",
    "Award",
    "AwardBatch",
    "Base",
    "ClaimToken",
    "Endorsement",
    "EvidenceFile",
    "Framework",
    "FrameworkItem",
    "Goal",
    "GuardianConsent",
    "IdempotencyRecord",
    "ImportedBadge",
    "Invitation",
    "Job",
    "JobFile",
    "JobStatus",
    "Learner",
    "LearnerEmail",
    "LearnerEvidence",
    "LearnerSession",
    "LearnerToken",
    "LearnerTokenPurpose",
    "LoginSession",
    "LoginThrottle",
    "Membership",
    "OrgKind",
    "Organisation",
    "OutboxMessage",
    "Reflection",
    "Role",
    "ShareLink",
    "ShareScope",
    "SigningKey",
    "StatusMethod",
    "StoredImage",
    "User",
]
