"""Open Badges 3.0 core library: data model, keys, both proof formats, status, verification.

No web framework and no database here: keys, the clock, the JSON-LD document loader and
the fetcher come in as arguments. The main entry points:

* ``badges.model``: ``OpenBadgeCredential``, ``Achievement``, ``Profile`` … (``to_json``)
* ``badges.keys.KeyPair`` and ``badges.dids``: keys, JWK, Multikey, did:key, did:web
* ``badges.issuing.sign_credential``: VC-JWT, eddsa-rdfc-2022, or both
* ``badges.verification.Verifier``: one pipeline, a report of named checks
* ``badges.fetch.Fetcher``: the one guarded fetcher for everything remote
"""

__version__ = "0.1.0"
