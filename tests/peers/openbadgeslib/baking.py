"""Bake and extract badge images with openbadgeslib (PyPI), a peer for tests/core/test_baking.py.

Runs with the python of the openbadgeslib venv (tests/peers/__init__.py makes it):

    baking.py bake IMAGE DATAFILE OUT [--ob2]
    baking.py extract IMAGE [--ob2]

``bake`` uses openbadgeslib.baking (OB 3.0 keyword/element unless --ob2; a JSON credential
goes into the SVG element's body, a JWT into its verify attribute); ``extract`` uses the
library's verifiers' own extractors (OB3Verifier / OB2Verifier). Prints one JSON line,
{"ok": true, "data": ...} or {"ok": false, "error": ...}, and exits 0 or 1.
"""

import json
import sys

from openbadgeslib import baking
from openbadgeslib.ob2 import OB2Verifier
from openbadgeslib.ob3 import OB3Verifier

PNG = b"\x89PNG\r\n\x1a\n"


def bake(image, text, ob2):
    if image.startswith(PNG):
        if ob2:
            return baking.bake_png(image, text)
        return baking.bake_png(image, text, keyword=baking.ITXT_KEYWORD_OB3)
    if ob2:
        return baking.bake_svg(image, text)
    return baking.bake_svg(
        image,
        text,
        element=baking.SVG_ELEMENT_OB3,
        namespace=baking.SVG_NS_OB3,
        as_text=text.startswith("{"),
    )


def extract(image, ob2):
    verifier = OB2Verifier if ob2 else OB3Verifier
    if image.startswith(PNG):
        return verifier.extract_token_from_png(image)
    return verifier.extract_token_from_svg(image)


def main(argv):
    ob2 = "--ob2" in argv
    args = [a for a in argv if a != "--ob2"]
    try:
        with open(args[1], "rb") as handle:
            image = handle.read()
        if args[0] == "bake":
            with open(args[2], encoding="utf-8") as handle:
                text = handle.read().strip()
            with open(args[3], "wb") as handle:
                handle.write(bake(image, text, ob2))
            result = {"ok": True, "data": args[3]}
        elif args[0] == "extract":
            result = {"ok": True, "data": extract(image, ob2)}
        else:
            result = {"ok": False, "error": "usage: bake IMAGE DATAFILE OUT | extract IMAGE"}
    except Exception as exc:  # a peer's refusal is a result, not a crash
        result = {"ok": False, "error": f"{type(exc).__name__}: {exc}"}
    print(json.dumps(result))
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
