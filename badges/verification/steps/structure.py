"""The ``context`` and ``schema`` checks: every term defined, the Open Badges 3.0 schema kept.

They depend on nothing but the document, so a document seen before is not checked again
(keyed by its content), nor is another learner's badge of an achievement seen before
(keyed by its shape: the same terms, types and IRI kinds, other values; see
``badges.jsonld.shape``) unless its result quotes the document's own values or it carries
embedded proofs (see ``structure_checks``). Failures are never remembered.
"""

from __future__ import annotations

import hashlib
from typing import Any

from ... import standards
from ...clr_shape import is_clr
from ...errors import ContextError, FormatError
from ...jsonld import expand_strict
from ...jsonld.canon import compiled_canonical
from ...jsonld.loader import FrozenDocumentLoader
from ...jsonld.shape import shape_key
from ...jsonld.terms import context_certainly_ok
from ...jsonutil import content_key
from ...schema import content_sensitive_terms, is_bundled, schema_errors, schema_urls
from ...vc11 import as_vc20_shape, is_vc11, with_schema_arrays
from ..context import Engine, Run
from ..messages import M
from ..parsing import OB_TYPES, Parsed
from ..report import Check, CheckId, Checks, Outcome, as_list, short, types_of

OB_CONTEXTS = {standards.OB_V3_CONTEXT, *standards.OB_V3_OLDER_CONTEXTS}


def check(run: Run) -> None:
    """The structure checks; a credential whose contexts fail is checked no further."""
    structure = structure_checks(run.engine, run.parsed)
    for found in structure:
        # a copy: the remembered checks are shared by every report of their document
        run.checks.put(
            Check(
                found.name,
                found.outcome,
                found.message,
                found.detail,
                text=found.text,
                detail_text=found.detail_text,
                detail_separator=found.detail_separator,
            )
        )
    if structure[0].outcome is Outcome.FAILED:
        run.stopped = True


def structure_checks(engine: Engine, parsed: Parsed) -> tuple[Check, ...]:
    """The context and schema checks, remembered when they pass."""
    credential = parsed.credential
    memo = engine.structure_memo
    try:
        if parsed.jwt is not None:
            content: bytes | None = hashlib.sha256(parsed.jwt.signing_input).digest()
        else:
            content = content_key(credential)
    except FormatError:
        content = None
    if content is not None:
        hit = memo.get(content)
        if hit is not None:
            return hit
    # A CLR's data model check reads values (association types...): never shaped. Nor is
    # a credential with embedded proofs: its context check is settled by the canonical
    # form its proofs need anyway (check_context), and with the schema check that costs
    # less than its shape would.
    # A verifier that has remembered nothing yet (one that verifies a single badge, as
    # ``badges verify`` does) skips the shape: it costs about as much as a schema check,
    # and only pays off from the second badge on.
    embedded = parsed.jwt is None and "proof" in credential
    shape = None if embedded or not len(memo) or is_clr(credential) else _shape_key(credential)
    if shape is not None:
        hit = memo.get(shape)
        if hit is not None:
            return hit
    scratch = Checks()
    if check_context(credential, scratch, engine.loader):
        if is_clr(credential):
            check_clr_schema(credential, scratch)
        else:
            check_schema(credential, scratch)
    result = tuple(
        c for c in (scratch.get(CheckId.CONTEXT), scratch.get(CheckId.SCHEMA)) if c is not None
    )
    if all(c.outcome is not Outcome.FAILED for c in result):
        if content is not None:
            memo.put(content, result)
        # Another document of the same shape has other values: a result whose details
        # quote this document's values (a schema warning) is never shown for it.
        if shape is not None and not any(c.detail for c in result):
            memo.put(shape, result)
    return result


def _shape_key(credential: dict[str, Any]) -> bytes | None:
    """The credential's shape for the structure checks, or None when it has none."""
    contexts = as_list(credential.get("@context"))
    if not all(isinstance(c, str) for c in contexts):
        return None  # an inline context could redefine terms: never shaped
    urls = tuple(schema_urls(credential))
    kept: set[str] = set()
    for url in urls:
        terms = content_sensitive_terms(url) if is_bundled(url) else frozenset()
        if terms is None:
            return None
        kept |= terms
    try:
        return shape_key(credential, frozenset(kept), extra=["shape", urls])
    except (TypeError, ValueError, RecursionError):
        return None


def check_context(credential: dict[str, Any], checks: Checks, loader: FrozenDocumentLoader) -> bool:
    contexts = as_list(credential.get("@context"))
    first = contexts[0] if contexts else None
    if first not in (standards.VC_V2, standards.VC_V1):
        checks.add(
            CheckId.CONTEXT,
            Outcome.FAILED,
            M("context.first_not_vc"),
            f"the first @context is {first!r}",
        )
        return False
    # An older OB 3.0 credential is on VC 1.1 (with issuanceDate/expirationDate); the two
    # base contexts define the same terms differently, so one credential never has both.
    vc11 = first == standards.VC_V1
    if (standards.VC_V2 if vc11 else standards.VC_V1) in contexts:
        checks.add(
            CheckId.CONTEXT,
            Outcome.FAILED,
            M("context.mixed_vc"),
            f"the first @context is {first!r}",
        )
        return False
    later = [name for name in ("validFrom", "validUntil") if name in credential]
    if vc11 and later:
        # The 1.1 context defines these for forward compatibility, but a VC 1.1 credential
        # is dated by issuanceDate/expirationDate; one that carries 2.0 dates is neither.
        checks.add(
            CheckId.CONTEXT,
            Outcome.FAILED,
            M("context.vc20_dates_in_vc11", names=", ".join(later)),
            "a VC 1.1 credential is dated with issuanceDate and expirationDate",
        )
        return False
    shape_note = " (an older credential in the VC 1.1 shape)" if vc11 else ""
    for context in contexts:
        if not isinstance(context, str):
            checks.add(
                CheckId.CONTEXT,
                Outcome.FAILED,
                M("context.inline"),
            )
            return False
        if not loader.knows(context):
            checks.add(
                CheckId.CONTEXT,
                Outcome.FAILED,
                M("context.unknown"),
                context[:200],
            )
            return False
    types = set(types_of(credential))
    if (OB_TYPES | {"EndorsementCredential"}) & types and not OB_CONTEXTS & set(contexts):
        checks.add(CheckId.CONTEXT, Outcome.FAILED, M("context.no_ob3"))
        return False
    document = (
        {k: v for k, v in credential.items() if k != "proof"}
        if "proof" in credential
        else credential
    )
    try:
        # The compiled-context walk settles the usual cases in microseconds; anything
        # else (and every failure, for its message) goes through strict expansion. A
        # credential with embedded proofs is canonicalised for them anyway: the compiled
        # path that gives its canonical form (memoised for the proof check) settles it.
        settled = "proof" in credential and compiled_canonical(document, loader) is not None
        if not settled and not context_certainly_ok(document, loader):
            expand_strict(document, loader)
    except ContextError as exc:
        checks.add(
            CheckId.CONTEXT,
            Outcome.FAILED,
            M("context.undefined_terms"),
            short(exc) + shape_note,
        )
        return False
    checks.add(CheckId.CONTEXT, Outcome.PASSED, M("context.ok_vc11" if vc11 else "context.ok"))
    return True


def check_schema(credential: dict[str, Any], checks: Checks) -> None:
    urls = schema_urls(credential)
    unknown = [u for u in urls if not is_bundled(u)]
    problems: list[str] = []
    compacted: list[str] = []
    # The bundled 1EdTech schemas are plain JSON for the VC 2.0 shape.
    # * A VC 1.1 credential is checked after mapping it onto that shape (base context,
    #   issuanceDate/expirationDate as validFrom/validUntil, single values as one-element
    #   arrays): every rule of the schema still applies to its content. What remains is
    #   a warning, not a failure: the schemas of the 1.1 era (1EdTech's "json-ld"
    #   variants) are not bundled, its terms have passed strict JSON-LD expansion, and
    #   its signature still decides whether it was changed.
    # * A VC 2.0 credential that fails only because it writes single values where the
    #   schema lists arrays ("proof": {...}, as Data Integrity libraries emit) holds the
    #   same JSON-LD data: a warning, as 1EdTech's own validator reports it. Anything
    #   else it breaks is a failure.
    vc11 = is_vc11(credential)
    for url in urls:
        if url in unknown:
            continue
        if vc11:
            problems.extend(schema_errors(as_vc20_shape(credential, url), url))
            continue
        found = schema_errors(credential, url)
        if found and not schema_errors(with_schema_arrays(credential, url), url):
            compacted.extend(found)
        else:
            problems.extend(found)
    if problems and vc11:
        checks.add(
            CheckId.SCHEMA,
            Outcome.WARNING,
            M("schema.vc11_partly"),
            "; ".join(problems[:5]),
        )
    elif problems:
        checks.add(
            CheckId.SCHEMA,
            Outcome.FAILED,
            M("schema.failed"),
            "; ".join(problems[:5]),
        )
    elif compacted:
        checks.add(
            CheckId.SCHEMA,
            Outcome.WARNING,
            M("schema.single_values"),
            "; ".join([*compacted[:5], *(f"not checked: {u[:120]}" for u in unknown[:3])]),
        )
    elif unknown:
        checks.add(
            CheckId.SCHEMA,
            Outcome.WARNING,
            M("schema.other_unchecked"),
            ", ".join(u[:120] for u in unknown[:3]),
        )
    elif vc11:
        checks.add(
            CheckId.SCHEMA,
            Outcome.PASSED,
            M("schema.ok_vc11"),
        )
    else:
        checks.add(CheckId.SCHEMA, Outcome.PASSED, M("schema.ok"))


def check_clr_schema(credential: dict[str, Any], checks: Checks) -> None:
    """A CLR 2.0 credential against the CLR 2.0 data model.

    The 1EdTech CLR JSON schema is not bundled (no authoritative copy), so what the data
    model requires is checked instead (``badges.clr.clr_model_problems``); a schema the
    CLR names is reported as not checked. The credentials inside are each checked on
    their own (the ``credentials`` check).
    """
    from ...clr import clr_model_problems  # the data model: imported for a record only

    problems = clr_model_problems(credential)
    if problems:
        checks.add(
            CheckId.SCHEMA,
            Outcome.FAILED,
            M("schema.clr_failed"),
            "; ".join(problems[:5]),
        )
        return
    named = [u for u in schema_urls(credential) if not is_bundled(u)]
    checks.add(
        CheckId.SCHEMA,
        Outcome.PASSED,
        M("schema.clr_ok"),
        "the 1EdTech CLR JSON schema is not bundled here, so it was not applied"
        + (f" ({', '.join(u[:120] for u in named[:2])})" if named else ""),
    )
