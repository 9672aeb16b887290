"""The category model compiled for intake speed (编译后的分类模型).

scikit-learn's ``Pipeline(FeatureUnion(tfidf chars, tfidf words), CalibratedClassifierCV(LinearSVC))``
costs ~10 ms per single message, most of it per-call validation and dispatch, not arithmetic. At
prediction time the model is only: sublinear tf × idf for two vocabularies, L2-normalised each;
one sparse-row × dense-matrix product; a per-class sigmoid; normalisation. ``CompiledModel`` does
exactly that with a dict lookup per n-gram and one ``numpy`` gather, and gives the same
probabilities as the pipeline (``tests/intel/test_compiled.py`` checks it to 1e-6).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

_WHITE = re.compile(r"\s\s+")
_NOT_WORD = re.compile(r"[\W_]")  # a driver shown to the dispatcher has no punctuation or space


@dataclass
class CompiledModel:
    classes: list[str]
    char_vocab: dict[str, int]  # n-gram → column (0-based, chars first)
    char_idf: np.ndarray
    char_range: tuple[int, int]
    word_vocab: dict[str, int]  # word → column (offset by len(char_vocab))
    word_idf: np.ndarray
    weights: np.ndarray  # (n_features, n_classes) float32: rows gathered per message
    intercept: np.ndarray  # (n_classes,)
    sigmoid_a: np.ndarray  # per class: p = 1 / (1 + exp(a·d + b))
    sigmoid_b: np.ndarray
    lowercase: bool = True
    _names: list[str] | None = field(default=None, repr=False)

    # -- features ------------------------------------------------------------------------------

    def _char_part(self, text: str):
        if self.lowercase:
            text = text.lower()
        text = _WHITE.sub(" ", text)
        lo, hi = self.char_range
        grams: list[str] = []
        for n in range(lo, min(hi, len(text)) + 1):
            grams.extend(text[i : i + n] for i in range(len(text) - n + 1))
        return _tfidf([j for j in map(self.char_vocab.get, grams) if j is not None], self.char_idf, 0)

    def _word_part(self, text: str):
        from .text import words

        found = [j for j in map(self.word_vocab.get, words(text)) if j is not None]
        return _tfidf(found, self.word_idf, len(self.char_vocab))

    def features(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        """(column indices, tf-idf values) of the masked ``text``, as the pipeline's FeatureUnion."""
        ci, cv = self._char_part(text)
        wi, wv = self._word_part(text)
        return np.concatenate([ci, wi]), np.concatenate([cv, wv])

    # -- scores --------------------------------------------------------------------------------

    def decision(self, idx: np.ndarray, values: np.ndarray) -> np.ndarray:
        return values.astype(np.float32) @ self.weights[idx] + self.intercept

    def proba(self, decision: np.ndarray) -> np.ndarray:
        p = 1.0 / (1.0 + np.exp(self.sigmoid_a * decision + self.sigmoid_b))
        if len(self.classes) == 2:
            return np.array([1.0 - p[1], p[1]])
        total = p.sum()
        return p / total if total > 0 else np.full(len(p), 1 / len(p))

    def predict_proba_one(self, text: str) -> np.ndarray:
        idx, values = self.features(text)
        return self.proba(self.decision(idx, values))

    def predict_one(self, text: str) -> str:
        return self.classes[int(self.predict_proba_one(text).argmax())]

    # -- explanation ---------------------------------------------------------------------------

    @property
    def names(self) -> list[str]:
        if self._names is None:
            names = [""] * (len(self.char_vocab) + len(self.word_vocab))
            for gram, j in self.char_vocab.items():
                names[j] = gram
            offset = len(self.char_vocab)
            for word, j in self.word_vocab.items():
                names[offset + j] = word
            self._names = names
        return self._names

    def top(self, text: str, k: int = 3, n_words: int = 5) -> list[tuple[str, float, list[str]]]:
        """Top ``k`` labels with probability and the features that drove each (largest
        weight × tf-idf among the features present; 2+ characters, no overlaps)."""
        idx, values = self.features(text)
        proba = self.proba(self.decision(idx, values))
        order = proba.argsort()[::-1][:k]
        names = self.names
        out = []
        for c in order:
            contrib = self.weights[idx, c] * values
            drivers: list[str] = []
            for j in contrib.argsort()[::-1]:
                if contrib[j] <= 0 or len(drivers) >= n_words:
                    break
                name = names[idx[j]].strip()
                if len(name) < 2 or _NOT_WORD.search(name) or any(name in d or d in name for d in drivers):
                    continue
                drivers.append(name)
            out.append((self.classes[c], float(proba[c]), drivers))
        return out


def _tfidf(found: list[int], idf: np.ndarray, offset: int) -> tuple[np.ndarray, np.ndarray]:
    """Sublinear tf × idf, L2-normalised, of the vocabulary columns ``found`` (with repeats)."""
    if not found:
        return np.zeros(0, dtype=np.int64), np.zeros(0)
    idx, tf = np.unique(np.asarray(found, dtype=np.int64), return_counts=True)
    values = (1.0 + np.log(tf)) * idf[idx]
    norm = np.sqrt(values @ values)
    if norm > 0:
        values /= norm
    return idx + offset, values


def compile_pipeline(pipeline) -> CompiledModel:
    """A ``CompiledModel`` equal to ``intel.classify.build_pipeline()`` once fitted."""
    features = dict(pipeline.named_steps["features"].transformer_list)
    chars, word_vec = features["chars"], features["words"]
    clf = pipeline.named_steps["clf"]
    calibrated = clf.calibrated_classifiers_[0]
    svm = calibrated.estimator
    coef, intercept = svm.coef_, svm.intercept_
    a = np.array([c.a_ for c in calibrated.calibrators], dtype=np.float64)
    b = np.array([c.b_ for c in calibrated.calibrators], dtype=np.float64)
    if coef.shape[0] == 1:  # binary: the SVM scores classes_[1]; class 0 gets 1 - p (see proba)
        coef = np.vstack([-coef[0], coef[0]])
        intercept = np.array([-intercept[0], intercept[0]])
        a, b = np.concatenate([a, a]), np.concatenate([b, b])
    n_chars = len(chars.vocabulary_)
    model = CompiledModel(
        classes=[str(c) for c in clf.classes_],
        char_vocab={g: int(j) for g, j in chars.vocabulary_.items()},
        char_idf=chars.idf_.astype(np.float64),
        char_range=tuple(chars.ngram_range),
        word_vocab={w: int(j) for w, j in word_vec.vocabulary_.items()},
        word_idf=word_vec.idf_.astype(np.float64),
        weights=np.ascontiguousarray(coef.T, dtype=np.float32),
        intercept=intercept.astype(np.float32),
        sigmoid_a=a,
        sigmoid_b=b,
        lowercase=bool(chars.lowercase),  # the word vectorizer is not lowercased (build_pipeline)
    )
    assert model.weights.shape[0] == n_chars + len(model.word_vocab)
    return model
