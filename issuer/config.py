"""Configuration: defaults here, then ISSUER_* environment variables, then a test override."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any


def defaults(instance_path: str) -> dict[str, Any]:
    data = Path(os.environ.get("BADGES_DATA", instance_path))
    return {
        "SECRET_KEY": None,  # required outside demo mode
        "DATABASE_URL": os.environ.get("DATABASE_URL") or f"sqlite:///{data / 'issuer.sqlite3'}",
        "BASE_URL": "http://127.0.0.1:5000",
        "VERIFIER_URL": "http://127.0.0.1:5001",
        "KEY_ENCRYPTION_KEY": os.environ.get("ISSUER_KEY_ENCRYPTION_KEY"),
        "DEMO": False,
        "DATA_DIR": str(data),
        "SMTP_HOST": None,
        "SMTP_PORT": 587,
        "SMTP_USER": None,
        "SMTP_PASSWORD": None,
        "MAIL_FROM": "badges@localhost",
        "MAX_CONTENT_LENGTH": 8 * 1024 * 1024,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "PERMANENT_SESSION_LIFETIME": 8 * 3600,
    }
