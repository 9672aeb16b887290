"""Benchmark: duplicate detection (重复事项) measured on real repeated submissions.

    .venv/bin/python bench/intel.py [--data ../shared/data/messages] [--seed 20260101]

Builds a labelled set of message pairs from ``messages_with_replies.xlsx`` (real messages with
the submitting user's id and time; never copied into the repository — read in place, nothing
written) and measures the text-similarity part of ``intel.duplicates`` on it: precision / recall /
F1 at the chosen threshold and a curve of thresholds, for the MinHash (datasketch) Jaccard estimate
in use, the exact Jaccard, and the TF-IDF window cosine used before; the time of one query of each
at windows of 30 / 100 / 300 messages; and a datasketch ``MinHashLSH`` index over all messages.

How the pairs are labelled (``build_pairs``; the rule never looks at the message *text*, only the
user, the time and the *title*, so the text similarity being measured is not the labeller):
  * duplicate (positive): the same user submitted twice within 30 days with near-identical titles
    (title character-bigram Jaccard ≥ 0.5) — a real repeated submission;
  * not duplicate (negative): (a) the same user within 30 days with unrelated titles (Jaccard
    < 0.2) — same writer, same period, other problem; (b) different users within ±7 days naming
    the same place token (``A6区``, ``K3县`` …) with unrelated titles — the pairs the place/time
    filter lets through. Up to 3 (b) pairs per message, sampled with the seed.
  * pairs with titles in between (0.2–0.5) are left out as ambiguous.
Exits with status 0 and a note when the data is absent.
"""

import argparse
import datetime
import itertools
import os
import random
import re
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

WINDOW_DAYS = 7
SAME_USER_DAYS = 30
PLACE = re.compile(r"[A-Z]\d{0,2}[区县市]")
_NOT_WORD = re.compile(r"[\W_]+")


def load(path: Path) -> list[dict]:
    import openpyxl

    book = openpyxl.load_workbook(path, read_only=True)
    rows = []
    for i, row in enumerate(book.worksheets[0].iter_rows(values_only=True)):
        if i == 0 or not row or row[0] is None:
            continue
        number, user, title, when, detail = row[:5]
        if not isinstance(when, datetime.datetime):
            when = datetime.datetime.strptime(str(when).strip(), "%Y/%m/%d %H:%M:%S")  # noqa: DTZ007 local board time
        rows.append(
            {
                "id": str(number),
                "user": str(user),
                "title": str(title or "").strip(),
                "time": when,
                "text": re.sub(r"\s+", "", str(detail or "")),
            }
        )
    return rows


def title_jaccard(a: str, b: str) -> float:
    a, b = _NOT_WORD.sub("", a), _NOT_WORD.sub("", b)
    x = {a[i : i + 2] for i in range(len(a) - 1)}
    y = {b[i : i + 2] for i in range(len(b) - 1)}
    return len(x & y) / len(x | y) if x and y else float(a == b)


def build_pairs(rows: list[dict], seed: int) -> list[tuple[int, int, bool, str]]:
    """(index a, index b, duplicate?, kind) — see the module docstring."""
    rng = random.Random(seed)
    pairs = []
    by_user: dict[str, list[int]] = {}
    for i, r in enumerate(rows):
        by_user.setdefault(r["user"], []).append(i)
    for indexes in by_user.values():
        for i, j in itertools.combinations(indexes, 2):
            if abs(rows[i]["time"] - rows[j]["time"]) > datetime.timedelta(days=SAME_USER_DAYS):
                continue
            jac = title_jaccard(rows[i]["title"], rows[j]["title"])
            if jac >= 0.5:
                pairs.append((i, j, True, "same user, same title"))
            elif jac < 0.2:
                pairs.append((i, j, False, "same user, other title"))
    order = sorted(range(len(rows)), key=lambda i: rows[i]["time"])
    places = [set(PLACE.findall(r["title"] + r["text"][:200])) for r in rows]
    window = datetime.timedelta(days=WINDOW_DAYS)
    for pos, i in enumerate(order):
        near = []
        for j in order[pos + 1 :]:
            if rows[j]["time"] - rows[i]["time"] > window:
                break
            unrelated = title_jaccard(rows[i]["title"], rows[j]["title"]) < 0.2
            if rows[j]["user"] != rows[i]["user"] and places[i] & places[j] and unrelated:
                near.append(j)
        for j in rng.sample(near, min(3, len(near))):
            pairs.append((i, j, False, "other user, same place and week"))
    return pairs


def window_of(rows, order_times, i: int, j: int, cap: int = 300) -> list[int]:
    """The candidates ``find_duplicates`` would compare ``i`` with: ``j`` plus the messages of
    the ±7-day window nearest in time (the place filter is not known for these messages, so the
    window is the whole week — larger and harder than in production), at most ``cap``."""
    t = rows[i]["time"]
    window = datetime.timedelta(days=WINDOW_DAYS)
    others = [k for k, tk in order_times if k not in (i, j) and abs(tk - t) <= window]
    others.sort(key=lambda k: abs(rows[k]["time"] - t))
    return [j, *others[: cap - 1]]


def curve(scores, labels, thresholds):
    out = []
    for th in thresholds:
        tp = sum(1 for s, y in zip(scores, labels, strict=True) if s >= th and y)
        fp = sum(1 for s, y in zip(scores, labels, strict=True) if s >= th and not y)
        fn = sum(1 for s, y in zip(scores, labels, strict=True) if s < th and y)
        p = tp / (tp + fp) if tp + fp else 1.0
        r = tp / (tp + fn) if tp + fn else 0.0
        f = 2 * p * r / (p + r) if p + r else 0.0
        out.append((th, p, r, f, tp, fp, fn))
    return out


def tfidf_similarities(text: str, others: list[str]) -> list[float]:
    """The previous text part of intel.duplicates: TF-IDF char 1–2-grams fitted on the window."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.metrics.pairwise import cosine_similarity

    matrix = TfidfVectorizer(analyzer="char", ngram_range=(1, 2), sublinear_tf=True).fit_transform(
        [text, *others]
    )
    return cosine_similarity(matrix[0], matrix[1:])[0].tolist()


def timed(fn, text, others, runs=5):
    out = []
    for _ in range(runs):
        start = time.perf_counter()
        fn(text, others)
        out.append(time.perf_counter() - start)
    return 1000 * statistics.median(out)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", default=str(Path(__file__).resolve().parents[2] / "shared/data/messages"))
    parser.add_argument("--seed", type=int, default=20260101)
    args = parser.parse_args()
    path = Path(args.data) / "messages_with_replies.xlsx"
    if not path.exists():
        print(f"{path} absent: nothing measured (the real messages are not on this machine)")
        return
    os.environ.setdefault("LUOSHI_DEBUG", "1")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "luoshi.settings")
    import django

    django.setup()
    from datasketch import MinHashLSH

    from intel import duplicates
    from intel.duplicates import MIN_SIMILARITY, NUM_PERM, _similarities, shingles
    from intel.text import mask

    rows = load(path)
    for r in rows:
        r["masked"] = mask(r["title"] + "。" + r["text"])  # as case_text: title + description
    pairs = build_pairs(rows, args.seed)
    kinds: dict[str, int] = {}
    for *_x, kind in pairs:
        kinds[kind] = kinds.get(kind, 0) + 1
    print(f"messages={len(rows)} pairs={len(pairs)} " + " ".join(f"[{k}]={n}" for k, n in kinds.items()))
    exact = sum(1 for i, j, y, _k in pairs if y and rows[i]["text"] == rows[j]["text"])
    print(f"positives with identical text: {exact} of {sum(1 for p in pairs if p[2])}")
    print(f"mean message length {statistics.mean(len(r['masked']) for r in rows):.0f} characters")
    labels = [y for _i, _j, y, _k in pairs]

    # Query cost at windows of 30 / 100 / 300 candidates.
    for size in (30, 100, 300):
        sample = [rows[k]["masked"] for k in range(1, size + 1)]
        duplicates._signatures.clear()
        start = time.perf_counter()
        _similarities(rows[0]["masked"], sample)
        cold = 1000 * (time.perf_counter() - start)
        warm = timed(_similarities, rows[0]["masked"], sample)
        old = timed(tfidf_similarities, rows[0]["masked"], sample)
        print(
            f"window of {size}: minhash {warm:.2f} ms (cold, signatures computed: {cold:.1f} ms), "
            f"tfidf refit {old:.1f} ms"
        )

    # The scores of each pair. TF-IDF: fitted on the pair's week (the window of find_duplicates).
    order_times = sorted(((k, r["time"]) for k, r in enumerate(rows)), key=lambda x: x[1])
    minhash = [_similarities(rows[i]["masked"], [rows[j]["masked"]])[0] for i, j, _y, _k in pairs]
    exact_jac = [
        len(shingles(rows[i]["masked"]) & shingles(rows[j]["masked"]))
        / len(shingles(rows[i]["masked"]) | shingles(rows[j]["masked"]))
        for i, j, _y, _k in pairs
    ]
    tfidf = []
    for i, j, _y, _k in pairs:
        cands = window_of(rows, order_times, i, j)
        tfidf.append(tfidf_similarities(rows[i]["masked"], [rows[k]["masked"] for k in cands])[0])

    fp_kinds: dict[str, int] = {}
    for score, (_i, _j, y, kind) in zip(minhash, pairs, strict=True):
        if score >= MIN_SIMILARITY and not y:
            fp_kinds[kind] = fp_kinds.get(kind, 0) + 1
    print("false positives at the chosen threshold by kind:", fp_kinds)

    print(f"\nMinHash Jaccard estimate, character 3-grams, {NUM_PERM} permutations (in use):")
    print("threshold precision recall F1 tp fp fn")
    for th, p, r, f, tp, fp, fn in curve(minhash, labels, [0.05, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.6]):
        mark = " <- chosen" if abs(th - MIN_SIMILARITY) < 1e-9 else ""
        print(f"{th:.2f} {p:.3f} {r:.3f} {f:.3f} {tp} {fp} {fn}{mark}")
    print("\nexact character 3-gram Jaccard:")
    print("threshold precision recall F1 tp fp fn")
    for th, p, r, f, tp, fp, fn in curve(exact_jac, labels, [0.05, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.6]):
        print(f"{th:.2f} {p:.3f} {r:.3f} {f:.3f} {tp} {fp} {fn}")
    print("\nTF-IDF char 1-2-gram cosine fitted on the week's window (used before):")
    print("threshold precision recall F1 tp fp fn")
    for th, p, r, f, tp, fp, fn in curve(tfidf, labels, [0.2, 0.25, 0.3, 0.35, 0.4, 0.5, 0.6, 0.7]):
        print(f"{th:.2f} {p:.3f} {r:.3f} {f:.3f} {tp} {fp} {fn}")

    from datasketch import MinHash

    hashes = []
    for r in rows:
        m = MinHash(num_perm=NUM_PERM, seed=1)
        m.update_batch([s.encode() for s in shingles(r["masked"])])
        hashes.append(m)

    # An LSH index over all messages: build and query time, and the recall of its candidates.
    for threshold in (0.2, 0.3, 0.5):
        lsh = MinHashLSH(threshold=threshold, num_perm=NUM_PERM)
        start = time.perf_counter()
        for k, m in enumerate(hashes):
            lsh.insert(str(k), m)
        built = time.perf_counter() - start
        start = time.perf_counter()
        found = [str(j) in set(lsh.query(hashes[i])) for i, j, _y, _k in pairs]
        query = (time.perf_counter() - start) / len(pairs)
        pos = [f for f, y in zip(found, labels, strict=True) if y]
        neg = [f for f, y in zip(found, labels, strict=True) if not y]
        print(
            f"LSH threshold {threshold}: build {built:.2f} s for {len(hashes)} messages, "
            f"query {1000 * query:.2f} ms; candidate recall of positives {sum(pos) / len(pos):.3f}, "
            f"negatives let through {sum(neg) / len(neg):.3f}"
        )


if __name__ == "__main__":
    main()
