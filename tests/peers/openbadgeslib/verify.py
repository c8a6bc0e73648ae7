"""Verify one Open Badges 3.0 credential with openbadgeslib (PyPI), a peer for the interop tests.

Runs with the python of the openbadgeslib venv (tests/peers/__init__.py makes it):

    verify.py [--map-file FILE] [--no-status] CREDENTIAL

CREDENTIAL is a JSON credential with an eddsa-rdfc-2022 proof, a compact VC-JWT, or a
baked PNG or SVG. The key comes from the issuer's DID as openbadgeslib resolves it itself
(did:key offline; did:web through the map). FILE is JSON {"URL prefix": "loopback URL
prefix"}; any other URL is refused, so nothing leaves this machine. Prints one JSON line
{"verified", "errors", "format"} and exits 0 when verified, 1 when not, 2 on bad usage.
"""

import base64
import ipaddress
import json
import sys
from urllib.parse import urlsplit

from openbadgeslib.ob3 import OB3LdpVerifier, OB3Verifier
from openbadgeslib.util import download_file

PNG = b"\x89PNG\r\n\x1a\n"


def is_loopback(url):
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def make_download(mapping):
    """openbadgeslib's download(url) -> bytes, answering mapped URLs from loopback only."""
    prefixes = sorted(mapping.items(), key=lambda item: -len(item[0]))

    def download(url):
        for prefix, target in prefixes:
            if url.startswith(prefix):
                local = target + url[len(prefix) :]
                if not is_loopback(local):
                    raise ValueError(f"offline: {prefix} is mapped to {target}, not loopback")
                return download_file(local, allow_insecure=True, allow_private=True)
        raise ValueError(f"offline: {url} is not mapped to a loopback address")

    return download


def read_credential(path):
    """(the credential text, 'png'|'svg'|None for the carrier)"""
    with open(path, "rb") as handle:
        data = handle.read()
    if data.startswith(PNG):
        return OB3Verifier.extract_token_from_png(data), "png"
    if data.lstrip().startswith(b"<"):
        return OB3Verifier.extract_token_from_svg(data).strip(), "svg"
    return data.decode("utf-8").strip(), None


def issuer_of_jwt(token):
    body = token.split(".")[1]
    payload = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    issuer = payload.get("iss") or payload.get("issuer")
    return issuer.get("id") if isinstance(issuer, dict) else issuer


def verify(text, download, check_status):
    """Raise whatever openbadgeslib raises when the credential does not verify."""
    options = {"check_status": check_status, "download": download}
    if text.startswith("{"):
        OB3LdpVerifier().verify(text, **options)
        return
    issuer = issuer_of_jwt(text)
    if not isinstance(issuer, str) or not issuer.startswith("did:"):
        raise ValueError(f"the JWT's issuer {issuer!r} is not a DID: no key to verify with")
    OB3Verifier.for_issuer_did(issuer, download=download).verify(text, **options)


def main(argv):
    mapping, check_status, paths = {}, True, []
    args = iter(argv)
    for arg in args:
        if arg == "--map-file":
            with open(next(args, ""), encoding="utf-8") as handle:
                mapping = json.load(handle)
        elif arg == "--no-status":
            check_status = False
        elif arg.startswith("-"):
            print(json.dumps({"verified": False, "errors": [f"unknown option {arg}"]}))
            return 2
        else:
            paths.append(arg)
    if len(paths) != 1:
        print(json.dumps({"verified": False, "errors": ["give one credential file"]}))
        return 2
    result = {"verified": False, "errors": [], "format": None}
    try:
        text, carrier = read_credential(paths[0])
        result["format"] = ("ldp" if text.startswith("{") else "vc-jwt") + (
            f"+baked-{carrier}" if carrier else ""
        )
        verify(text, make_download(mapping), check_status)
        result["verified"] = True
    except Exception as exc:  # a refusal by the peer is its verdict, not a crash
        result["errors"].append(f"{type(exc).__name__}: {exc}")
    print(json.dumps(result))
    return 0 if result["verified"] else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
