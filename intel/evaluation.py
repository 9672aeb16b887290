"""Honest evaluation of the category model (诚实评估): repeated stratified k-fold and a grouped
k-fold in which near-duplicate messages (重复反映: the same complaint sent again, lightly edited)
never sit on both sides of a split.

* ``near_duplicate_groups(texts)`` — MinHash (datasketch, character 3-gram shingles) + LSH, joined
  transitively (union–find): texts whose estimated Jaccard similarity is ≥ ``threshold`` share a
  group id;
* ``cross_validate(texts, labels, fit=…)`` — ``repeats`` × ``folds`` folds, stratified
  (``RepeatedStratifiedKFold``) or grouped (``StratifiedGroupKFold`` reshuffled per repeat), the
  macro-F1 and accuracy of every fold, their mean and standard deviation, and the out-of-fold
  predictions of the first repeat (one prediction per message: the per-class table and confusion
  matrix).

Model choices are made on the grouped mean ± spread, never on one split (issue 23).
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from .text import mask

SHINGLE = 3
NUM_PERM = 64
GROUP_THRESHOLD = 0.5  # estimated Jaccard of 3-gram shingles: "the same message sent again"
GROUP_PREFIX = 600  # characters compared (a resubmission changes the tail, not the opening)


def _shingles(text: str) -> set[bytes]:
    text = "".join(text.split())[:GROUP_PREFIX]
    if len(text) < SHINGLE:
        return {text.encode()}
    return {text[i : i + SHINGLE].encode() for i in range(len(text) - SHINGLE + 1)}


def near_duplicate_groups(
    texts: Sequence[str], threshold: float = GROUP_THRESHOLD, num_perm: int = NUM_PERM
) -> list[int]:
    """Group id per text (0..n_groups-1, in order of first appearance); near-duplicates share one."""
    from datasketch import MinHash, MinHashLSH

    lsh = MinHashLSH(threshold=threshold, num_perm=num_perm)
    signatures = []
    for i, text in enumerate(texts):
        sig = MinHash(num_perm=num_perm, seed=1)
        sig.update_batch(list(_shingles(mask(text))))
        signatures.append(sig)
        lsh.insert(i, sig)
    parent = list(range(len(texts)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, sig in enumerate(signatures):
        for j in lsh.query(sig):
            if j != i and sig.jaccard(signatures[j]) >= threshold:
                a, b = root(i), root(j)
                if a != b:
                    parent[max(a, b)] = min(a, b)
    ids: dict[int, int] = {}
    return [ids.setdefault(root(i), len(ids)) for i in range(len(texts))]


@dataclass
class FoldScore:
    repeat: int
    fold: int
    macro_f1: float
    accuracy: float
    n_train: int
    n_test: int


@dataclass
class CrossValidation:
    scheme: str  # "stratified" | "grouped"
    folds: int
    repeats: int
    scores: list[FoldScore]
    predicted: list[str]  # out-of-fold prediction per message (first repeat)
    n_groups: int = 0
    labels: list[str] = field(default_factory=list)

    @property
    def f1_mean(self) -> float:
        return statistics.fmean(s.macro_f1 for s in self.scores)

    @property
    def f1_std(self) -> float:
        return statistics.stdev(s.macro_f1 for s in self.scores) if len(self.scores) > 1 else 0.0

    @property
    def accuracy_mean(self) -> float:
        return statistics.fmean(s.accuracy for s in self.scores)

    @property
    def accuracy_std(self) -> float:
        return statistics.stdev(s.accuracy for s in self.scores) if len(self.scores) > 1 else 0.0

    def summary(self) -> str:
        groups = f", {self.n_groups} groups" if self.scheme == "grouped" else ""
        f1s = [s.macro_f1 for s in self.scores]
        return (
            f"{self.scheme} {self.repeats}x{self.folds}-fold{groups}: "
            f"macro_f1={self.f1_mean:.4f}±{self.f1_std:.4f} "
            f"accuracy={self.accuracy_mean:.4f}±{self.accuracy_std:.4f} "
            f"(min {min(f1s):.4f}, max {max(f1s):.4f})"
        )


def split_indices(
    labels: Sequence[str],
    *,
    folds: int,
    repeats: int,
    seed: int,
    groups: Sequence[int] | None = None,
) -> list[tuple[int, int, list[int], list[int]]]:
    """(repeat, fold, train indices, test indices) for every fold of every repeat."""
    import numpy as np
    from sklearn.model_selection import StratifiedGroupKFold, StratifiedKFold

    y = np.asarray(labels)
    x = np.zeros(len(y))
    out = []
    for r in range(repeats):
        if groups is None:
            splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed + r)
            parts = splitter.split(x, y)
        else:
            splitter = StratifiedGroupKFold(n_splits=folds, shuffle=True, random_state=seed + r)
            parts = splitter.split(x, y, groups=np.asarray(groups))
        for f, (train, test) in enumerate(parts):
            out.append((r, f, train.tolist(), test.tolist()))
    return out


EXTRA_LEAK = 0.5  # an extra row (a title) whose 3-grams lie ≥ 50 % in a test message is its title


def extra_overlap(extra_texts: Sequence[str], texts: Sequence[str]):
    """(extra × texts) sparse matrix: the share of each extra row's character 3-grams found in each
    text (containment) — a labelled title of a test message must not be trained on."""
    import numpy as np
    import scipy.sparse as sp
    from sklearn.feature_extraction.text import CountVectorizer

    vectorizer = CountVectorizer(analyzer="char", ngram_range=(3, 3), binary=True, lowercase=False)
    a = vectorizer.fit_transform([mask(t) for t in extra_texts])
    b = vectorizer.transform([mask(t) for t in texts])
    size = np.asarray(a.sum(axis=1)).ravel().clip(1)
    return (sp.diags(1.0 / size) @ (a @ b.T)).tocsc()


def without_leaks(
    extra: tuple[list[str], list[str]], texts: Sequence[str], threshold: float = EXTRA_LEAK
) -> tuple[tuple[list[str], list[str]], int]:
    """``extra`` less the rows that belong to one of ``texts`` (the test messages): a row whose
    character 3-grams lie ≥ ``threshold`` in a text is its title. Returns (kept rows, number left
    out) — the ``--train/--test`` counterpart of the per-fold filter in ``cross_validate``."""
    import numpy as np

    if not extra[0] or not texts:
        return extra, 0
    near = np.asarray(extra_overlap(extra[0], texts).max(axis=1).todense()).ravel()
    keep = np.flatnonzero(near < threshold)
    return ([extra[0][i] for i in keep], [extra[1][i] for i in keep]), len(extra[0]) - len(keep)


Fit = Callable[[list[str], list[str], "tuple[list[str], list[str]] | None"], Callable[[list[str]], list[str]]]


def cross_validate(
    texts: Sequence[str],
    labels: Sequence[str],
    *,
    fit: Fit,
    folds: int = 5,
    repeats: int = 2,
    seed: int = 20260101,
    groups: Sequence[int] | None = None,
    progress: Callable[[FoldScore], None] | None = None,
    extra: tuple[list[str], list[str]] | None = None,
) -> CrossValidation:
    """``fit(train_texts, train_labels, extra)`` returns a ``predict(texts) -> labels`` function.
    ``extra`` (e.g. labelled titles) is added to every fold's training rows, less the rows that
    belong to a test message of that fold (``EXTRA_LEAK``)."""
    import numpy as np
    from sklearn.metrics import accuracy_score, f1_score

    overlap = extra_overlap(extra[0], texts) if extra else None

    names = sorted(set(labels))
    predicted = [""] * len(texts)
    scores = []
    for r, f, train, test in split_indices(labels, folds=folds, repeats=repeats, seed=seed, groups=groups):
        fold_extra = None
        if extra and overlap is not None:
            near = np.asarray(overlap[:, test].max(axis=1).todense()).ravel()
            keep = np.flatnonzero(near < EXTRA_LEAK)
            fold_extra = ([extra[0][i] for i in keep], [extra[1][i] for i in keep])
        predict = fit([texts[i] for i in train], [labels[i] for i in train], fold_extra)
        guess = predict([texts[i] for i in test])
        truth = [labels[i] for i in test]
        if r == 0:
            for i, g in zip(test, guess, strict=True):
                predicted[i] = g
        score = FoldScore(
            repeat=r,
            fold=f,
            macro_f1=float(f1_score(truth, guess, labels=names, average="macro", zero_division=0)),
            accuracy=float(accuracy_score(truth, guess)),
            n_train=len(train),
            n_test=len(test),
        )
        scores.append(score)
        if progress is not None:
            progress(score)
    return CrossValidation(
        scheme="stratified" if groups is None else "grouped",
        folds=folds,
        repeats=repeats,
        scores=scores,
        predicted=predicted,
        n_groups=len(set(groups)) if groups is not None else 0,
        labels=names,
    )
