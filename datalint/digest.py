"""Hashing without loading OpenSSL.

Every run computes cache keys (the compiled rulebook's, the result cache's)
and checks signatures (result entries, run manifests). ``hashlib`` and
``hmac`` load OpenSSL to do so, ~3 ms: a tenth of a one-file pre-commit run
or of a replayed run. CPython's own BLAKE2b module is already in the
interpreter, and keyed BLAKE2b is a MAC by design (RFC 7693), with no need
for HMAC's construction. Baseline and SARIF fingerprints stay SHA-256
(``model.fingerprint``): users keep those files.
"""

from __future__ import annotations

try:  # what hashlib.blake2b and hmac.compare_digest are in CPython
    from _blake2 import blake2b
    from _operator import _compare_digest as compare_digest
except ImportError:  # pragma: no cover - another Python
    from hashlib import blake2b
    from hmac import compare_digest

__all__ = ["blake2b", "compare_digest"]
