"""Where problem lists come from (问题来源): a small registry, so a new source is a few lines.

Each source names the rule parameter (``party.RuleParameter``) that gives the deadline of its
整改情况报告 in months after the feedback, and may offer ``problems(user)``: the problems another
module publishes for rectification (述职评议's ``published_problems`` is registered below), each as
an ``Offered`` row; the 转整改 page of a review round (``rectify:from_review``) takes them over.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from dateutil.relativedelta import relativedelta

from .models import Source


@dataclass(frozen=True)
class Offered:
    """A problem offered by another module: its text, the org it concerns, and a reference."""

    text: str
    org_id: int | None = None
    ref: str = ""


@dataclass(frozen=True)
class SourceSpec:
    code: str
    label: str
    months_param: str
    problems: Callable[[object], list[Offered]] | None = None


_SOURCES: dict[str, SourceSpec] = {}


def register(spec: SourceSpec) -> SourceSpec:
    _SOURCES[spec.code] = spec
    return spec


def get(code: str) -> SourceSpec | None:
    return _SOURCES.get(code)


def all_sources() -> list[SourceSpec]:
    return list(_SOURCES.values())


def report_due(code: str, feedback_on: dt.date, org=None) -> tuple[dt.date | None, str]:
    """The 整改情况报告 deadline of a list of source ``code`` fed back on ``feedback_on``, and the
    rule it comes from (the rule data in force on that day)."""
    from party.rules import MissingRule, Rules

    spec = get(code)
    if spec is None or not spec.months_param:
        return None, ""
    try:
        param = Rules.load(feedback_on).param(spec.months_param, org)
    except MissingRule:
        return None, ""
    # the same day N months on, or the month's last day (relativedelta clamps it)
    return feedback_on + relativedelta(months=int(param.typed_value())), param.source


register(SourceSpec(Source.XUNSHI, Source.XUNSHI.label, "rectify.xunshi_report_months"))
register(SourceSpec(Source.XUNCHA, Source.XUNCHA.label, "rectify.xuncha_report_months"))
register(SourceSpec(Source.SELF_CHECK, Source.SELF_CHECK.label, "rectify.self_check_months"))
register(SourceSpec(Source.COMPLIANCE, Source.COMPLIANCE.label, "rectify.finding_months"))


def _review_problems(user) -> list[Offered]:
    """述职评议: the problems of published rounds the user may see (``problem_label`` names them)."""
    from party.duty_review import selectors as duty_review

    return [
        Offered(duty_review.problem_label(p), p.org_id, f"review:{p.pk}")
        for p in duty_review.published_problems(user)
    ]


register(
    SourceSpec(
        Source.DUTY_REVIEW, Source.DUTY_REVIEW.label, "rectify.self_check_months", problems=_review_problems
    )
)
