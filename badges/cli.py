"""The ``badges`` command: keys, issuing and verifying Open Badges 3.0 credentials.

Exit codes: 0 success (for ``verify``: the badge is valid), 1 the badge is not valid or
cannot be decided now, 2 unusable input or options. Errors are one line, never a
traceback. Apps add their own subcommands through the ``badges.commands`` entry-point
group (a callable taking the argparse subparsers), so this core never imports them.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TextIO

from . import jsonutil
from .errors import BadgeError, FormatError
from .timeutil import parse_datetime

if TYPE_CHECKING:
    from .baking import ImageType
    from .keys import KeyPair
    from .verification import VerificationReport

# Each command imports what it uses when it runs: `badges verify` does not load the
# signing, baking or QR code, and no command loads the apps' (Flask, SQLAlchemy) unless
# it is one of theirs (see main). tests/core/test_purity.py keeps it so.

EXIT_OK = 0
EXIT_NOT_VALID = 1
EXIT_USAGE = 2
MAX_INPUT_BYTES = 8 * 1024 * 1024

_MARKS = {  # by Outcome's value (badges.verification is imported only to verify)
    "passed": "PASS",
    "failed": "FAIL",
    "warning": "WARN",
    "skipped": "skip",
}
# The defaults of `badges verify`, as badges.fetch declares them (DEFAULT_DEADLINE,
# DEFAULT_MAX_FETCHES; a test compares them), written here so that building the parser
# does not import the fetcher.
DEFAULT_DEADLINE = 20.0
DEFAULT_MAX_FETCHES = 20
# badges.baking.MAX_IMAGE_BYTES, likewise (a test compares them): `badges verify` of a
# JSON or JWT file does not import the image code
MAX_IMAGE_BYTES = 10 * 1024 * 1024
# badges.issuing.ProofFormat's values, likewise (a test compares them)
PROOF_FORMATS = ("data-integrity", "jwt", "both")
# the core's own commands: running one of them loads no plug-in (see main)
CORE_COMMANDS = frozenset({"keygen", "issue", "verify", "bake", "unbake", "qr", "demo"})


class CliError(Exception):
    """Raised for a problem the user must fix; printed as one line, exit code 2."""


def _fail(message: str) -> NoReturn:
    raise CliError(message)


def _read_input(name: str, limit: int = MAX_INPUT_BYTES) -> bytes:
    if name == "-":
        data = sys.stdin.buffer.read(limit + 1)
    else:
        path = Path(name)
        if not path.is_file():
            _fail(f"no such file: {name}")
        if path.stat().st_size > limit:
            _fail(f"{name} is larger than {limit // (1024 * 1024)} MiB")
        data = path.read_bytes()
    if len(data) > limit:
        _fail("the input is too large")
    return data


def _write_output(text: str, output: str | None, *, private: bool = False) -> None:
    if output is None or output == "-":
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
        return
    path = Path(output)
    if path.parent and not path.parent.exists():
        _fail(f"the folder {path.parent} does not exist")
    tmp = path.with_name(path.name + ".tmp")
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC
    fd = os.open(tmp, flags, 0o600 if private else 0o644)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text if text.endswith("\n") else text + "\n")
    os.replace(tmp, path)  # never leave a half-written file behind


def _write_bytes(data: bytes, output: str) -> None:
    if output == "-":
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
        return
    path = Path(output)
    if path.parent and not path.parent.exists():
        _fail(f"the folder {path.parent} does not exist")
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)  # never leave a half-written file behind


def _image_type_of(name: str) -> ImageType | None:
    """The image type a file name declares by its extension (.png, .svg), if any."""
    from .baking import ImageType

    suffix = Path(name).suffix.lower()
    return ImageType(suffix[1:]) if suffix in (".png", ".svg") else None


def load_key(path: str) -> KeyPair:
    """Read a private JWK file. Raises CliError or KeyMaterialError."""
    from .keys import KeyPair

    data = _read_input(path)
    try:
        return KeyPair.from_jwk(jsonutil.loads(data))
    except FormatError as exc:
        _fail(f"{path} is not a JWK file: {exc}")


def public_identifier(key: KeyPair) -> str:
    """did:key for Ed25519/P-256; the RFC 7638 thumbprint for RSA (no did:key exists)."""
    from .dids import did_key
    from .keys import Algorithm

    if key.alg is Algorithm.RS256:
        return f"jwk-thumbprint:{key.public.thumbprint()}"
    return did_key(key.public)


# --- keygen ----------------------------------------------------------------------------


def cmd_keygen(args: argparse.Namespace) -> int:
    from .keys import Algorithm, KeyPair

    if args.output != "-" and Path(args.output).exists() and not args.force:
        _fail(f"{args.output} already exists; use --force to replace it")
    key = KeyPair.generate(Algorithm.parse(args.alg))
    jwk = key.to_private_jwk(kid=public_identifier(key) if key.alg is not Algorithm.RS256 else None)
    _write_output(json.dumps(jwk, indent=2), args.output, private=True)
    if args.output != "-":
        print(public_identifier(key))
    return EXIT_OK


# --- issue -----------------------------------------------------------------------------


def cmd_issue(args: argparse.Namespace) -> int:
    from .issuing import (
        ProofFormat,
        complete_credential,
        default_verification_method,
        schema_problems,
        sign_credential,
    )
    from .keys import Algorithm

    key = load_key(args.key)
    data = jsonutil.loads(_read_input(args.unsigned))
    now = parse_datetime(args.now) if args.now else None
    credential = complete_credential(data, key=key, now=now, recipient_email=args.recipient_email)
    problems = schema_problems(credential)
    if problems is not None:
        url, errors = problems
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        name = "the credential" if args.unsigned == "-" else args.unsigned
        message = f"{name} does not follow the schema {url.rsplit('/', 1)[-1]}: {errors[0]}{more}"
        if not args.sign_anyway:
            _fail(f"{message}; fix it, or sign it all the same with --sign-anyway")
        print(f"badges: warning: {message}; signed anyway (--sign-anyway)", file=sys.stderr)
    method = args.kid or default_verification_method(credential, key)
    proof = ProofFormat(args.proof)
    if proof is not ProofFormat.JWT and key.alg is not Algorithm.EDDSA:
        _fail(
            f"{args.proof} proofs need an Ed25519 key; this key is {key.alg.value} (use --proof jwt)"
        )
    signed = sign_credential(credential, key, verification_method=method, proof=proof, created=now)
    if proof is ProofFormat.DATA_INTEGRITY:
        assert signed.json is not None
        text = jsonutil.dumps(signed.json)
    else:
        assert signed.jwt is not None
        text = signed.jwt
    _write_output(text, args.output)
    return EXIT_OK


# --- verify ----------------------------------------------------------------------------


def _verify_source(name: str) -> Any:
    if name.startswith(("https://", "http://")):
        return name
    data = _read_input(name, max(MAX_INPUT_BYTES, MAX_IMAGE_BYTES))
    if Path(name).suffix.lower() in (".png", ".svg"):  # the image code only for an image
        from . import baking

        declared = _image_type_of(name)
        if declared is not None and baking.sniff_image_type(data) is not declared:
            _fail(f"{name} is not {declared.with_article} image")
    return data


def render_report(report: VerificationReport, out: TextIO) -> None:
    """The human-readable report the CLI prints."""
    verdict = report.verdict
    out.write(f"{verdict.value.upper()}: {report.message}\n")
    credential = report.credential or {}
    if credential and report.format != "ob2":  # an OB 2.0 badge is named by its format check
        issuer = credential.get("issuer")
        issuer_name = issuer.get("name") if isinstance(issuer, dict) else None
        issuer_id = issuer.get("id") if isinstance(issuer, dict) else issuer
        subject = credential.get("credentialSubject")
        achievement = subject.get("achievement") if isinstance(subject, dict) else None
        title = (achievement or {}).get("name") if isinstance(achievement, dict) else None
        label = "Record:" if report.credentials is not None else "Badge: "
        out.write(f"  {label} {title or credential.get('name') or '(no name)'}\n")
        out.write(f"  Issuer: {issuer_name or '(no name)'} <{issuer_id}>\n")
    _render_checks(report, out, "  ")
    for item in report.credentials or []:  # a CLR: each credential inside, on its own
        out.write(f"  Credential {item.position}: {item.verdict.value.upper()}: {item.message}\n")
        out.write(f"    Badge:  {item.name or '(no name)'}\n")
        out.write(f"    Issuer: {item.issuer or '(no name)'} <{item.issuer_id}>\n")
        if item.report is not None:
            _render_checks(item.report, out, "    ")


def _render_checks(report: VerificationReport, out: TextIO, indent: str) -> None:
    from .verification import Outcome

    for check in report.checks:
        out.write(f"{indent}[{_MARKS[check.outcome.value]}] {check.name:<12} {check.message}\n")
        if check.detail and check.outcome is not Outcome.PASSED:
            out.write(f"{indent}       {'':<12} {check.detail}\n")


def _signer_and_registry(report: VerificationReport, registries: Any) -> dict[str, Any]:
    """Who the signature proves made the badge, and what the trusted registries say of it."""
    from .registry import signer

    who = signer(report.verified_issuer) if report.verified_issuer else None
    return {
        "signer": who.to_dict() if who else None,
        "registry": registries.lookup(report.verified_issuer).to_dict(),
    }


def cmd_verify(args: argparse.Namespace) -> int:
    from .fetch import Fetcher, FetchPolicy
    from .verification import Verifier

    try:
        policy = FetchPolicy.from_options(
            allow_hosts=args.allow_host or (), maps=args.map or (), timeout=args.timeout
        )
    except BadgeError as exc:
        _fail(str(exc))
    fetcher = Fetcher(policy)
    registries = None
    if args.registry:
        from .registry import Registries

        try:
            registries = Registries.from_sources(args.registry, fetcher=fetcher)
        except BadgeError as exc:
            _fail(str(exc))
    source = _verify_source(args.input)
    now: datetime | None = parse_datetime(args.now) if args.now else None
    try:
        verifier = Verifier(fetcher=fetcher, deadline=args.deadline, max_fetches=args.max_fetches)
    except BadgeError as exc:
        _fail(str(exc))
    report = verifier.verify(
        source, now=now, recipient=args.recipient, check_status=not args.no_status
    )
    if args.json:
        data = report.to_dict()
        if registries is not None:
            data.update(_signer_and_registry(report, registries))
        sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
    else:
        render_report(report, sys.stdout)
        if registries is not None:
            found = _signer_and_registry(report, registries)
            who = found["signer"]
            out = (
                f"{who['description']} <{who['id']}>"
                if who
                else "not proven (the signature was not verified)"
            )
            sys.stdout.write(f"  Signed by: {out}\n  Registry:  {found['registry']['message']}\n")
    return verify_exit_code(report)


def verify_exit_code(report: VerificationReport) -> int:
    """0 valid; 1 not valid or undecided, a credential that is not an Open Badge included
    (another type of verifiable credential, an OB 2.0 document that is no assertion);
    2 for input that is no credential at all (not JSON, a JWT or a baked image of one)."""
    from .verification import REASON_NOT_A_BADGE, CheckId, Outcome, Verdict

    format_check = report.check(CheckId.FORMAT)
    if (
        format_check.outcome is Outcome.FAILED
        and not format_check.undecided
        and format_check.reason != REASON_NOT_A_BADGE
        and report.credential is None
    ):
        return EXIT_USAGE
    return EXIT_OK if report.verdict is Verdict.VALID else EXIT_NOT_VALID


# --- bake, unbake, qr ------------------------------------------------------------------


def cmd_bake(args: argparse.Namespace) -> int:
    from . import baking
    from .baking import Standard

    image = _read_input(args.image, baking.MAX_IMAGE_BYTES)
    credential = _read_input(args.credential, baking.MAX_PAYLOAD_BYTES + 1024)
    standard: Standard = "ob2" if args.ob2 else "ob3"
    baked = baking.bake(image, credential, standard=standard, expected=_image_type_of(args.image))
    kind = baking.sniff_image_type(baked)
    out_type = _image_type_of(args.output) if args.output != "-" else None
    if out_type is not None and kind is not None and out_type is not kind:
        _fail(f"{args.output} names {out_type.with_article} but the image is {kind.with_article}")
    _write_bytes(baked, args.output)
    if args.output != "-":
        _, payload_kind = baking.prepare_payload(credential, standard)
        print(f"Baked the {payload_kind.value} credential into {args.output}")
    return EXIT_OK


def cmd_unbake(args: argparse.Namespace) -> int:
    from . import baking

    image = _read_input(args.image, baking.MAX_IMAGE_BYTES)
    baked = baking.unbake(image, expected=_image_type_of(args.image))
    if baked is None:
        print(f"badges: {args.image} carries no baked badge", file=sys.stderr)
        return EXIT_NOT_VALID
    if args.json:
        record = {
            "kind": baked.kind.value,
            "image": baked.image_type.value,
            "payload": baked.payload,
        }
        sys.stdout.write(json.dumps(record, ensure_ascii=False) + "\n")
    else:
        sys.stdout.write(baked.payload + "\n")
    return EXIT_OK


def cmd_qr(args: argparse.Namespace) -> int:
    from .baking import ImageType
    from .qr import qr_png, qr_svg

    kind = _image_type_of(args.output)
    if kind is None:
        _fail("the output file must end in .png or .svg")
    data = qr_png(args.url) if kind is ImageType.PNG else qr_svg(args.url)
    _write_bytes(data, args.output)
    return EXIT_OK


# --- demo ------------------------------------------------------------------------------


def cmd_demo(args: argparse.Namespace) -> int:
    from .demo import issue_demo, load_or_create_key
    from .dids import did_key
    from .verification import Verifier

    data = Path(args.data)
    key, created = load_or_create_key(data / "keys" / "demo-issuer.jwk")
    print(
        f"{'Created' if created else 'Using'} the demo school's key: {data / 'keys' / 'demo-issuer.jwk'}"
    )
    print(f"The school's identifier: {did_key(key.public)}")
    signed = issue_demo(key, learner_email=args.learner)
    out = data / "demo"
    out.mkdir(parents=True, exist_ok=True)
    assert signed.json is not None and signed.jwt is not None
    _write_output(jsonutil.dumps(signed.json), str(out / "badge.json"))
    _write_output(signed.jwt, str(out / "badge.jwt"))
    print(f"Issued a badge to {args.learner} (stored only as a salted hash):")
    print(f"  {out / 'badge.json'}  (JSON with an eddsa-rdfc-2022 proof)")
    print(f"  {out / 'badge.jwt'}   (the same badge as a VC-JWT)\n")
    report = Verifier().verify(signed.json, recipient=args.learner)
    render_report(report, sys.stdout)
    print(f"\nTry: badges verify {out / 'badge.jwt'} --recipient {args.learner}")
    return EXIT_OK if report.verified else EXIT_NOT_VALID


# --- parser ----------------------------------------------------------------------------


def build_parser(*, plugins: bool = True) -> argparse.ArgumentParser:
    """The parser; ``plugins=False`` leaves out the apps' commands (``badges.commands``)."""
    parser = argparse.ArgumentParser(
        prog="badges",
        description="Issue and verify Open Badges 3.0 credentials (VC-JWT and eddsa-rdfc-2022); "
        "bake them into PNG and SVG images and read them back; draw QR codes for badge links.",
        epilog="Exit codes: 0 ok/valid, 1 not valid or cannot be decided now, 2 unusable input.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    keygen = sub.add_parser(
        "keygen",
        help="create a signing key (private JWK) and print its public identifier",
        description="Create a private JWK. Prints the key's did:key (Ed25519, P-256) "
        "or JWK thumbprint (RSA).",
    )
    keygen.add_argument("--alg", default="EdDSA", help="EdDSA (default), ES256 or RS256")
    keygen.add_argument(
        "-o", "--output", required=True, help="where to write the private JWK ('-' for stdout)"
    )
    keygen.add_argument("--force", action="store_true", help="replace an existing key file")
    keygen.set_defaults(func=cmd_keygen)

    issue = sub.add_parser(
        "issue",
        help="sign an unsigned OB 3.0 credential",
        description="Sign UNSIGNED.json. A missing @context, type, id or validFrom is filled "
        "in; a missing issuer.id becomes the key's did:key. The result must follow the "
        "1EdTech Open Badges 3.0 JSON schema, or nothing is signed (see --sign-anyway).",
    )
    issue.add_argument(
        "unsigned", metavar="UNSIGNED.json", help="the credential without a proof ('-' for stdin)"
    )
    issue.add_argument(
        "--key", required=True, metavar="KEY.jwk", help="private JWK from 'badges keygen'"
    )
    issue.add_argument(
        "--recipient-email", help="set a salted, hashed email identifier for the learner"
    )
    issue.add_argument(
        "--kid",
        help="verification method to name, for a did:web or https issuer "
        "(e.g. did:web:school.example#key-1)",
    )
    issue.add_argument(
        "--proof",
        choices=PROOF_FORMATS,
        default=PROOF_FORMATS[0],
        help="data-integrity (JSON with an embedded eddsa-rdfc-2022 proof, the default), "
        "jwt (a compact VC-JWT), or both (the VC-JWT of the signed JSON)",
    )
    issue.add_argument("--now", help="issue time (ISO 8601 with timezone) instead of the clock")
    issue.add_argument(
        "--sign-anyway",
        action="store_true",
        help="sign even when the credential does not follow the Open Badges 3.0 JSON schema "
        "(without it, such a credential is refused with exit code 2)",
    )
    issue.add_argument("-o", "--output", help="output file (default: stdout)")
    issue.set_defaults(func=cmd_issue)

    verify = sub.add_parser(
        "verify",
        help="verify a credential and print a report",
        description="Verify a credential given as a file, a URL or '-' (stdin): JSON with an "
        "embedded proof, a compact VC-JWT, or a baked PNG or SVG image.",
    )
    verify.add_argument(
        "input", metavar="INPUT", help="file (JSON, JWT, PNG, SVG), https URL, or '-'"
    )
    verify.add_argument("--json", action="store_true", help="print the report as JSON")
    verify.add_argument(
        "--allow-host",
        action="append",
        metavar="HOST:PORT",
        help="let fetches reach this host:port even if it is local or private (repeatable)",
    )
    verify.add_argument(
        "--map",
        action="append",
        metavar="PREFIX=TARGET",
        help="answer URLs starting with PREFIX from TARGET, a URL or a local folder (repeatable)",
    )
    verify.add_argument("--now", help="check dates as of this time (ISO 8601 with timezone)")
    verify.add_argument(
        "--recipient", metavar="EMAIL", help="also check the badge was awarded to EMAIL"
    )
    verify.add_argument("--no-status", action="store_true", help="do not check revocation status")
    verify.add_argument(
        "--registry",
        action="append",
        metavar="FILE|URL",
        help="a registry of trusted issuers (JSON, see README): say who signed the badge and "
        "whether the registry knows that signer (repeatable)",
    )
    verify.add_argument(
        "--timeout", type=float, default=10.0, help="total seconds for each fetch (default 10)"
    )
    verify.add_argument(
        "--deadline",
        type=float,
        default=DEFAULT_DEADLINE,
        help=f"total seconds for all the fetches of the verification (default {DEFAULT_DEADLINE:g})",
    )
    verify.add_argument(
        "--max-fetches",
        type=int,
        default=DEFAULT_MAX_FETCHES,
        metavar="N",
        help=f"fetch at most N documents in all (default {DEFAULT_MAX_FETCHES})",
    )
    verify.set_defaults(func=cmd_verify)

    bake = sub.add_parser(
        "bake",
        help="bake a credential into a PNG or SVG image",
        description="Write a copy of IMAGE with CREDENTIAL (a file holding the JSON or the "
        "compact JWT) baked in, as Open Badges 3.0 describes: one uncompressed iTXt chunk "
        "'openbadgecredential' in a PNG, an <openbadges:credential> element in an SVG. A badge "
        "already in the image is replaced.",
    )
    bake.add_argument("image", metavar="IMAGE", help="the badge image, .png or .svg")
    bake.add_argument(
        "credential",
        metavar="CREDENTIAL",
        help="file with the credential JSON or JWT ('-' for stdin)",
    )
    bake.add_argument(
        "-o", "--output", required=True, metavar="OUT", help="the baked image ('-' for stdout)"
    )
    bake.add_argument(
        "--ob2",
        action="store_true",
        help="bake an Open Badges 2.0 assertion (JSON, JWS or hosted URL) the 2.0 way",
    )
    bake.set_defaults(func=cmd_bake)

    unbake = sub.add_parser(
        "unbake",
        help="print the credential baked into a PNG or SVG image",
        description="Print what IMAGE carries: an OB 3.0 credential (JSON or JWT), an OB 2.0 "
        "assertion, signature or URL, or a pre-2.0 URL. Exit 1 when it carries none.",
    )
    unbake.add_argument("image", metavar="IMAGE", help="a PNG or SVG file, or '-'")
    unbake.add_argument(
        "--json", action="store_true", help="print {kind, image, payload} as one JSON line"
    )
    unbake.set_defaults(func=cmd_unbake)

    qr = sub.add_parser(
        "qr",
        help="draw the QR code of a badge link as PNG or SVG",
        description="Write the QR code of URL to OUT; its extension (.png or .svg) picks the format.",
    )
    qr.add_argument("url", metavar="URL", help="the link, e.g. a badge's verification page")
    qr.add_argument("-o", "--output", required=True, metavar="OUT", help="OUT.png or OUT.svg")
    qr.set_defaults(func=cmd_qr)

    demo = sub.add_parser(
        "demo",
        help="create a demo school key (first run), issue a demo badge and verify it",
        description="Create the demo school's Ed25519 key in DATA/keys on first run, issue a "
        "Baltic Sea Project badge in both proof formats to DATA/demo, and verify it.",
    )
    demo.add_argument(
        "--data", default=os.environ.get("BADGES_DATA", "data"), help="data folder (default ./data)"
    )
    demo.add_argument("--learner", default="learner@example.org", help="the demo learner's email")
    demo.set_defaults(func=cmd_demo)

    if plugins:
        from importlib.metadata import entry_points

        for entry in entry_points(group="badges.commands"):
            try:
                entry.load()(sub)
            except Exception as exc:  # a broken plug-in must not break the core command
                print(
                    f"badges: warning: could not load command {entry.name}: {exc}", file=sys.stderr
                )
    return parser


def _core_command(argv: Sequence[str]) -> bool:
    """True when ``argv`` runs one of the core's own commands (its first word names it):
    that command's parser needs no plug-in, so none is loaded. Anything else (``badges``,
    ``badges --help``, an app's command) loads them all."""
    return bool(argv) and argv[0] in CORE_COMMANDS


def main(argv: Sequence[str] | None = None) -> int:
    words = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser(plugins=not _core_command(words))
    args = parser.parse_args(words)
    if not getattr(args, "func", None):
        parser.print_help()
        return EXIT_USAGE
    try:
        return int(args.func(args))
    except CliError as exc:
        print(f"badges: error: {exc}", file=sys.stderr)
    except BadgeError as exc:
        print(f"badges: error: {exc.description}", file=sys.stderr)
    except OSError as exc:
        print(
            f"badges: error: {exc.strerror or exc}: {exc.filename or ''}".rstrip(": "),
            file=sys.stderr,
        )
    except KeyboardInterrupt:
        print("badges: interrupted", file=sys.stderr)
    return EXIT_USAGE


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
