"""建议采纳记录 (suggestion feedback): when a dispatcher registers (立案, category) or dispatches
(派遣, lead unit) a case, record what was suggested and whether the top suggestion was taken.

Called by ``cases.services`` after the state change (one line each). It never blocks the
dispatcher: it runs in a savepoint and any error is logged, not raised.
"""

from __future__ import annotations

import logging

from django.db import transaction
from django.db.models import Count, Q

from core import clock
from core.actors import user_or_none

log = logging.getLogger(__name__)


def _category_rows(case):
    from .classify import active_model, suggest_case

    suggestions = suggest_case(case)
    if not suggestions:
        return None
    version = active_model()[0] if suggestions[0].source == "model" else None
    rows = [{"id": s.category.pk, "name": s.category.name, "score": s.score} for s in suggestions]
    return rows, suggestions[0].source, version, case.category


def _unit_rows(case, actor):
    from .units import suggest_units

    units = suggest_units(case, actor)
    if not units:
        return None
    rows = [{"id": u.unit.pk, "name": u.unit.name, "score": u.score} for u in units]
    return rows, "rules", None, case.lead_unit


def record_feedback(kind: str, case, actor):
    """Record the suggestions for ``case`` against the dispatcher's final choice (``kind``:
    "category" after registration, "unit" after dispatch). Returns the row, or None when there was
    nothing suggested (or recording failed: logged)."""
    from .models import FeedbackKind, SuggestionFeedback

    try:
        with transaction.atomic():
            found = _category_rows(case) if kind == FeedbackKind.CATEGORY else _unit_rows(case, actor)
            if found is None:
                return None
            rows, source, version, final = found
            if final is None:
                return None
            ids = [r["id"] for r in rows]
            return SuggestionFeedback.objects.create(
                case=case,
                org=case.org,
                kind=kind,
                model_version=version,
                source=source,
                suggested=rows,
                final_id=final.pk,
                final_name=final.name[:100],
                accepted=ids[0] == final.pk,
                in_top3=final.pk in ids[:3],
                actor=user_or_none(actor),
                created_at=clock.now(),
            )
    except Exception:  # never block registration or dispatch
        log.exception("intel: could not record suggestion feedback for case %s", case.pk)
        return None


def acceptance(user) -> list[dict]:
    """Acceptance rate by suggestion kind and model version (keyword rules / 责任清单 rows have no
    version), over the feedback ``user`` may see, newest version first."""
    from .models import SuggestionFeedback

    rows = (
        SuggestionFeedback.objects.visible_to(user, "view")
        .values("kind", "source", "model_version_id")
        .annotate(
            n=Count("id"),
            accepted_n=Count("id", filter=Q(accepted=True)),
            top3_n=Count("id", filter=Q(in_top3=True)),
        )
        .order_by("kind", "-model_version_id", "source")
    )
    labels = {"category": "分类建议", "unit": "责任单位建议"}
    sources = {"model": "模型", "keywords": "关键词规则", "rules": "责任清单+历史办结"}
    out = []
    for r in rows:
        out.append(
            {
                "kind": labels.get(r["kind"], r["kind"]),
                "source": sources.get(r["source"], r["source"]),
                "version": r["model_version_id"],
                "n": r["n"],
                "accepted": r["accepted_n"],
                "rate": r["accepted_n"] / r["n"] if r["n"] else 0,
                "top3_rate": r["top3_n"] / r["n"] if r["n"] else 0,
            }
        )
    return out
