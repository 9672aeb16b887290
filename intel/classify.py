"""分类建议 (category suggester).

Two sources, the better one available wins:

* a **trained model** — TF-IDF character 1–3-grams plus jieba word unigrams into a linear SVM with
  sigmoid-calibrated scores, trained with scikit-learn on the deployment's own registered cases (the
  dispatcher's final category is the label), then compiled (``intel.compiled``: vocabularies, idf,
  one weight matrix, the sigmoids) for ~2 ms predictions and stored as a joblib file under
  ``VAR_DIR/intel`` with a ``ModelVersion`` row holding its held-out metrics;
* **keyword rules** (``KeywordRule``, editable) for the cold start.

``suggest(text)`` returns the top 3 as ``Suggestion(category, score, words)`` where ``words`` are
the features present in the text that pushed most towards that category.
"""

from __future__ import annotations

import hashlib
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import transaction

from audit import events
from core import clock
from core.procache import ProcessCache

from .text import case_text, mask, words

MODEL_PROMOTED = events.register("intel.model_promoted", "分类模型通过把关并启用")
MODEL_KEPT_OUT = events.register("intel.model_kept_out", "分类模型未通过把关(未启用)")

MIN_CASES = 40  # fewer registered cases than this: keep the keyword rules
MAX_CHARS = 300_000  # character n-gram vocabulary cap: keeps the model file well under 50 MB
MIN_PER_CLASS = 5  # categories with fewer labelled cases are left out of training
TEST_SHARE = 0.2
SEED = 20260101


@dataclass
class Suggestion:
    category: object  # cases.Category (or a label string in evaluation)
    score: float
    words: list[str] = field(default_factory=list)
    source: str = "model"  # "model" | "keywords"


# ---------------------------------------------------------------------------------------------
# The model


def build_pipeline(cv: int = 3):
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.pipeline import FeatureUnion, Pipeline
    from sklearn.svm import LinearSVC

    features = FeatureUnion(
        [
            (
                "chars",
                TfidfVectorizer(
                    analyzer="char", ngram_range=(1, 3), sublinear_tf=True, min_df=2, max_features=MAX_CHARS
                ),
            ),
            (
                "words",
                TfidfVectorizer(tokenizer=words, token_pattern=None, lowercase=False, sublinear_tf=True),
            ),
        ]
    )
    # A linear SVM (the better text classifier here) with sigmoid-calibrated probabilities; one
    # final SVM (ensemble=False) keeps the file small and its weights explain the suggestion.
    clf = CalibratedClassifierCV(
        LinearSVC(C=0.5, class_weight="balanced"), method="sigmoid", cv=cv, ensemble=False
    )
    return Pipeline([("features", features), ("clf", clf)])


def fit(texts: list[str], labels: list[str], extra: tuple[list[str], list[str]] | None = None):
    """Fit on ``texts``/``labels``; ``extra`` = more labelled rows (e.g. the labelled titles) that
    only add training examples, for the classes present in ``labels``."""
    from collections import Counter

    smallest = min(Counter(labels).values())
    if smallest < 2:
        raise ValueError("每个类别至少需要2条训练样本")
    texts, labels = list(texts), list(labels)
    if extra:
        known = set(labels)
        for text, label in zip(*extra, strict=True):
            if label in known:
                texts.append(text)
                labels.append(label)
    pipeline = build_pipeline(cv=min(3, smallest))
    pipeline.fit([mask(t) for t in texts], labels)
    return pipeline


class TimedFit:
    """``fit`` for ``intel.evaluation.cross_validate``: trains, compiles and predicts one message at
    a time (as at intake), adding up the prediction time of every fold (masking excluded)."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self.messages = 0

    def fit(self, texts: list[str], labels: list[str], extra=None):
        model = compiled(fit(texts, labels, extra=extra))

        def predict(batch: list[str]) -> list[str]:
            masked = [mask(t) for t in batch]
            start = time.perf_counter()
            out = [model.predict_one(t) for t in masked]
            self.seconds += time.perf_counter() - start
            self.messages += len(masked)
            return out

        return predict

    @property
    def ms_per_message(self) -> float:
        return 1000 * self.seconds / max(self.messages, 1)


def timed_fit() -> TimedFit:
    return TimedFit()


def compiled(model):
    """The fast predictor of a fitted pipeline (or the compiled model itself)."""
    from .compiled import CompiledModel, compile_pipeline

    return model if isinstance(model, CompiledModel) else compile_pipeline(model)


def predict_top(model, text: str, k: int = 3, n_words: int = 5) -> list[tuple[str, float, list[str]]]:
    """Top ``k`` labels with probability and the features that drove each (most positive
    weight × tf-idf value among the features present in the text)."""
    return compiled(model).top(mask(text), k, n_words)


@dataclass
class Evaluation:
    labels: list[str]
    report: str
    confusion: list[list[int]]
    macro_f1: float
    accuracy: float
    ms_per_message: float
    n_train: int
    n_test: int


def evaluate(
    train_texts, train_labels, test_texts, test_labels, pipeline=None, runs: int = 3, extra=None
) -> tuple[object, Evaluation]:
    """Train (unless ``pipeline`` is given) and measure on the test texts. ``ms_per_message`` is the
    median over ``runs`` passes of predicting the masked test messages one at a time, as at intake,
    with the compiled model that is stored and served."""
    import statistics

    from sklearn.metrics import accuracy_score, classification_report, confusion_matrix, f1_score

    pipeline = pipeline or fit(train_texts, train_labels, extra=extra)
    model = compiled(pipeline)
    masked = [mask(t) for t in test_texts]
    timings = []
    for _run in range(max(runs, 1)):
        start = time.perf_counter()
        predicted = [model.predict_one(t) for t in masked]
        timings.append(time.perf_counter() - start)
    labels = sorted(set(train_labels) | set(test_labels))
    return pipeline, Evaluation(
        labels=labels,
        report=classification_report(test_labels, predicted, labels=labels, digits=4, zero_division=0),
        confusion=confusion_matrix(test_labels, predicted, labels=labels).tolist(),
        macro_f1=float(f1_score(test_labels, predicted, labels=labels, average="macro", zero_division=0)),
        accuracy=float(accuracy_score(test_labels, predicted)),
        ms_per_message=1000 * statistics.median(timings) / max(len(masked), 1),
        n_train=len(train_texts),
        n_test=len(test_texts),
    )


def stratified_split(texts, labels, test_share=TEST_SHARE, seed=SEED):
    from sklearn.model_selection import train_test_split

    return train_test_split(texts, labels, test_size=test_share, random_state=seed, stratify=labels)


# ---------------------------------------------------------------------------------------------
# Versions trained on registered cases


def model_dir() -> Path:
    path = Path(settings.VAR_DIR) / "intel"
    path.mkdir(parents=True, exist_ok=True)
    return path


def training_cases(registered_before=None):
    """Registered cases with their final category (the dispatcher's decision is the label)."""
    from cases.models import Case

    cases = Case.objects.filter(registered_at__isnull=False, category__isnull=False)
    if registered_before is not None:
        cases = cases.filter(registered_at__lt=registered_before)
    return cases.only("id", "title", "description", "category_id").order_by("id")


@dataclass
class TrainResult:
    version: object | None  # ModelVersion or None when skipped
    activated: bool
    reason: str


def draw_validation(case_ids: list[int], labels: list[str], share: float = TEST_SHARE) -> list[int]:
    """The fixed validation set (固定验证集): a stratified ``share`` of the labelled cases, drawn
    once (seed ``SEED``) and then kept with every model version."""
    from collections import Counter

    counts = Counter(labels)
    if min(counts.values()) < 2:
        return []
    _train, held, _y_train, _y_held = stratified_split(case_ids, labels, test_share=share)
    return sorted(int(i) for i in held)


def score(model, texts: list[str], labels: list[str]) -> tuple[float, float]:
    """(macro-F1, accuracy) of a (compiled) model on masked texts, over the labels present."""
    from sklearn.metrics import accuracy_score, f1_score

    model = compiled(model)
    predicted = [model.predict_one(t) for t in texts]
    names = sorted(set(labels))
    f1 = float(f1_score(labels, predicted, labels=names, average="macro", zero_division=0))
    return f1, float(accuracy_score(labels, predicted))


def _load(version):
    import joblib

    if version is None or not Path(version.path).exists():
        return None
    return compiled(joblib.load(version.path))


def _corrections(case_ids: set[int]) -> int:
    """How many of the training cases carry a dispatcher's correction of the suggested category."""
    from .models import FeedbackKind, SuggestionFeedback

    corrected = SuggestionFeedback.objects.filter(kind=FeedbackKind.CATEGORY, accepted=False)
    return len(set(corrected.values_list("case_id", flat=True)) & case_ids)


def _partition(rows: list, validation: set[int]) -> tuple[list, list]:
    return [r for r in rows if r[0] not in validation], [r for r in rows if r[0] in validation]


def train_from_cases(
    *, min_cases: int = MIN_CASES, force: bool = False, actor=None, registered_before=None
) -> TrainResult:
    """Train on registered cases (the dispatchers' final categories, corrections included) with a
    guard (把关): the candidate and the active model are scored on the same **fixed validation
    set** — case ids drawn once, stored with every version, never trained on — and the candidate
    replaces the active model only if its macro-F1 there is no worse. The decision is stored on
    the version and audited (``intel.model_promoted`` / ``intel.model_kept_out``).

    Idempotent: when the labelled data has not changed since the last version, nothing is done.
    """
    import joblib

    from audit.services import record
    from core.actors import SYSTEM

    from .models import ModelVersion

    actor = actor or SYSTEM
    rows = list(training_cases(registered_before).values_list("id", "title", "description", "category_id"))
    counts: dict[int, int] = {}
    for _id, _t, _d, cat in rows:
        counts[cat] = counts.get(cat, 0) + 1
    rows = [r for r in rows if counts[r[3]] >= MIN_PER_CLASS]
    if len(rows) < min_cases or len({r[3] for r in rows}) < 2:
        return TrainResult(None, False, f"已登记且有分类的事项不足{min_cases}件,继续使用关键词规则")
    digest = hashlib.sha256()
    for case_id, title, description, cat in rows:
        digest.update(f"{case_id}\x1f{cat}\x1f{title}\x1f{description}\x1e".encode())
    signature = digest.hexdigest()[:32]
    latest = ModelVersion.objects.first()
    if not force and latest is not None and latest.data_signature == signature:
        return TrainResult(latest, False, "训练数据未变化,保留现有模型")

    current = ModelVersion.objects.filter(active=True).first()
    # The fixed validation set: the active version's (else the latest one's), drawn once.
    keeper = current if current is not None and current.validation_ids else None
    keeper = keeper or ModelVersion.objects.exclude(validation_ids=[]).first()
    ids = [r[0] for r in rows]
    labels = [str(c) for *_x, c in rows]
    validation = set(keeper.validation_ids) if keeper else set()
    train_rows, held_rows = _partition(rows, validation)
    if not held_rows or len({r[3] for r in train_rows}) < 2:  # none kept yet (or none left): draw
        validation = set(draw_validation(ids, labels))
        train_rows, held_rows = _partition(rows, validation)
    texts = [mask(f"{t}。{d}") for _i, t, d, _c in train_rows]
    held_texts = [mask(f"{t}。{d}") for _i, t, d, _c in held_rows]
    held_labels = [str(c) for *_x, c in held_rows]
    try:
        model = compiled(fit(texts, [str(c) for *_x, c in train_rows]))
    except ValueError as exc:
        return TrainResult(None, False, f"无法训练:{exc}")
    f1, accuracy = score(model, held_texts, held_labels)
    baseline_model = _load(current)
    baseline_f1 = score(baseline_model, held_texts, held_labels)[0] if baseline_model else None
    passed = baseline_f1 is None or f1 >= baseline_f1
    now = clock.now()
    path = model_dir() / f"category-{now:%Y%m%d%H%M%S}-{signature[:8]}.joblib"
    joblib.dump(model, path, compress=3)
    if passed:
        note = "首个模型" if current is None else f"验证集F1 {f1:.3f} ≥ 原模型 {baseline_f1:.3f},已启用"
    else:
        note = f"验证集F1 {f1:.3f} < 原模型 {baseline_f1:.3f},未启用"
    with transaction.atomic():
        current = ModelVersion.objects.select_for_update().filter(active=True).first()
        if passed and current is not None:
            ModelVersion.objects.filter(pk=current.pk).update(active=False)
        version = ModelVersion.objects.create(
            created_at=now,
            n_train=len(train_rows),
            n_test=len(held_rows),
            n_classes=len({r[3] for r in train_rows}),
            macro_f1=f1,
            accuracy=accuracy,
            path=str(path),
            data_signature=signature,
            active=passed,
            note=note,
            validation_ids=sorted(validation),
            baseline=current,
            baseline_f1=baseline_f1,
            passed_guard=passed,
            n_corrections=_corrections({r[0] for r in train_rows}),
        )
        record(
            version,
            MODEL_PROMOTED if passed else MODEL_KEPT_OUT,
            actor=actor,
            reason=note,
            after={
                "validation_f1": round(f1, 4),
                "baseline_f1": None if baseline_f1 is None else round(baseline_f1, 4),
                "baseline": current.pk if current else None,
                "n_train": len(train_rows),
                "n_validation": len(held_rows),
                "n_corrections": version.n_corrections,
            },
        )
    _forget_model()
    return TrainResult(version, passed, "已启用新模型" if passed else "新模型不如当前模型,保留当前模型")


_cache = threading.local()


def _forget_model() -> None:
    _cache.__dict__.clear()


def active_model():
    """(ModelVersion, CompiledModel) of the active version, or (None, None); loaded once per file
    (files written before the compiled format hold the scikit-learn pipeline: compiled on load)."""
    import joblib

    from .models import ModelVersion

    version = ModelVersion.objects.filter(active=True).first()
    if version is None or not Path(version.path).exists():
        return None, None
    if getattr(_cache, "path", None) != version.path:
        _cache.pipeline = compiled(joblib.load(version.path))
        _cache.path = version.path
    return version, _cache.pipeline


# ---------------------------------------------------------------------------------------------
# Suggestions


def _load_keyword_rules() -> list[tuple[list[str], object]]:
    from .models import KeywordRule

    rules = KeywordRule.objects.filter(active=True, category__active=True).select_related(
        "category", "category__parent"
    )
    return [(rule.word_list(), rule.category) for rule in rules.order_by("pk")]


# This process's copy of the keyword rules (a few dozen rows, read for every suggestion before a
# model is trained). Invalidated by KeywordRule's and Category's saves and deletes (apps.py).
KEYWORD_RULES = ProcessCache("intel.keyword_rules", _load_keyword_rules)


def keyword_suggest(text: str, k: int = 3) -> list[Suggestion]:
    text = mask(text)
    scored = []
    for keywords, category in KEYWORD_RULES.get():
        hits = [w for w in keywords if w in text]
        if hits:
            # Longer keywords are more specific; two or more hits make a confident match.
            weight = sum(min(len(w), 4) for w in hits)
            scored.append((weight, category, hits))
    total = sum(s[0] for s in scored) or 1
    scored.sort(key=lambda s: (-s[0], s[1].sort, s[1].code))
    return [Suggestion(cat, round(w / total, 4), hits[:5], "keywords") for w, cat, hits in scored[:k]]


def suggest(text: str, k: int = 3) -> list[Suggestion]:
    """Top ``k`` category suggestions for a message, from the active model else keyword rules."""
    from cases.models import Category

    if not (text or "").strip():
        return []
    _version, pipeline = active_model()
    if pipeline is None:
        return keyword_suggest(text, k)
    top = predict_top(pipeline, text, k)
    categories = Category.objects.select_related("parent").in_bulk([int(label) for label, _s, _w in top])
    return [
        Suggestion(categories[int(label)], round(score, 4), drivers, "model")
        for label, score, drivers in top
        if int(label) in categories and categories[int(label)].active
    ]


def suggest_case(case, k: int = 3) -> list[Suggestion]:
    return suggest(case_text(case), k)
