"""Near-duplicate minutes (会议记录雷同) with MinHash + LSH (``datasketch``).

Minutes are normalized (punctuation and whitespace dropped, digits folded) and cut into
character 3-gram shingles — Chinese has no spaces, and character n-grams survive reordered
sentences and small paraphrases. The 64-value MinHash signature is cut into ``BANDS`` bands of
``ROWS`` rows (datasketch's optimal split for a 0.6 candidate threshold); each band's hash is stored in
``MinutesBand``. Two minutes are candidates when they share a band key (one indexed lookup per
band — sub-linear, never all pairs); the candidates' Jaccard similarity is then estimated from
the signatures and kept when it reaches the configured threshold (0.8 by default).
"""

from __future__ import annotations

import hashlib
import re
import struct

import numpy as np
from datasketch import MinHash, MinHashLSH

NUM_PERM = 64
LSH_THRESHOLD = 0.6  # candidate generation; the configured similarity threshold (0.8) filters after
SHINGLE = 3
SEED = 1

_lsh = MinHashLSH(threshold=LSH_THRESHOLD, num_perm=NUM_PERM)
BANDS, ROWS = _lsh.b, _lsh.r
_TEMPLATE = MinHash(num_perm=NUM_PERM, seed=SEED)

_DROP = re.compile(
    r"[\s\u3000-\u303f\uff00-\uff0f\uff1a-\uff20\uff3b-\uff40\uff5b-\uff65!-/:-@\[-`{-~·—…“”‘’]+"
)
_DIGITS = re.compile(r"\d+")


def normalize(text: str) -> str:
    text = _DROP.sub("", text or "")
    return _DIGITS.sub("#", text)


def shingles(text: str) -> set[bytes]:
    text = normalize(text)
    if len(text) < SHINGLE:
        return {text.encode()} if text else set()
    return {text[i : i + SHINGLE].encode() for i in range(len(text) - SHINGLE + 1)}


def signature(text: str) -> np.ndarray | None:
    grams = shingles(text)
    if not grams:
        return None
    m = _TEMPLATE.copy()
    m.update_batch(list(grams))
    return m.hashvalues.astype(np.uint64)


def band_keys(values: np.ndarray) -> list[int]:
    """One signed 63-bit key per band (fits a BigIntegerField on every database)."""
    keys = []
    for band in range(BANDS):
        chunk = values[band * ROWS : (band + 1) * ROWS].tobytes()
        digest = hashlib.blake2b(chunk + struct.pack("<H", band), digest_size=8).digest()
        keys.append(int.from_bytes(digest, "little") >> 1)
    return keys


def to_bytes(values: np.ndarray) -> bytes:
    return values.astype("<u8").tobytes()


def from_bytes(data: bytes) -> np.ndarray:
    return np.frombuffer(bytes(data), dtype="<u8")


def similarity(a: np.ndarray, b: np.ndarray) -> float:
    """Estimated Jaccard similarity of two signatures."""
    return float(np.count_nonzero(a == b)) / len(a)


def exact_jaccard(a: str, b: str) -> float:
    sa, sb = shingles(a), shingles(b)
    if not sa or not sb:
        return 0.0
    return len(sa & sb) / len(sa | sb)
