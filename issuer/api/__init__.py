"""The JSON API under /api/v1, for platforms (Moodle, scripts) and networks.

- ``plumbing``: the blueprint; bearer tokens and their organisation; the JSON body, query
  parameters and Idempotency-Key; pages and answers.
- ``schemas``: one marshmallow schema per resource, read for the request's fields, written
  for the answer, and turned into the OpenAPI document.
- ``achievements``, ``awards``: the routes of each resource; the work is in issuer/services.
- ``spec``: the OpenAPI 3.1 document (flask-smorest), served at /api/v1/openapi.json.
"""

from __future__ import annotations

from . import achievements, awards, jobs  # noqa: F401 (their routes join the blueprint)
from .spec import document, register

__all__ = ["document", "register"]
