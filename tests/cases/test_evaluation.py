"""The monthly evaluation on a hand-computed fixture (区城管局, November 2026)."""

import datetime as dt

import pytest
import time_machine

from cases import services
from cases.evaluation import evaluate
from tests.factories import EvaluationWeightsFactory

from .conftest import at, new_case

pytestmark = pytest.mark.django_db


def handled(world, actors, category, *, day, late=False, rework=False, rating=None):
    """A case dispatched to d1 on ``day`` and closed; ``rating`` = (contacted, resolved, satisfaction)."""
    with time_machine.travel(at(2026, 11, day, 9), tick=False):
        case = services.register_case(new_case(world), actor=actors["dispatcher"], category=category)
        case = services.dispatch_case(case, actor=actors["dispatcher"], lead_unit=world["d1"])
        lead = case.assignments.get()
        services.sign_assignment(lead, actor=actors["handler"])
    feedback_day = day + (10 if late else 1)
    with time_machine.travel(at(2026, 11, feedback_day, 10), tick=False):
        services.give_feedback(lead, actor=actors["handler"], text="已处理")
        if rework:
            services.check_case(case, actor=actors["community"], passed=False, note="未处理到位")
            services.give_feedback(lead, actor=actors["handler"], text="已返工")
        case = services.check_case(case, actor=actors["community"], passed=True, note="")
        if rating:
            contacted, resolved, satisfaction = rating
            services.rate_case(
                case,
                actor=actors["dispatcher"],
                contacted=contacted,
                resolved=resolved,
                satisfaction=satisfaction,
            )
    return case


@pytest.fixture
def november(world, actors, category):
    handled(world, actors, category, day=2, rating=(True, True, "satisfied"))
    handled(world, actors, category, day=3, rating=(True, True, "basic"))
    handled(world, actors, category, day=4, late=True, rework=True, rating=(False, False, "dissatisfied"))
    handled(world, actors, category, day=5)
    with time_machine.travel(at(2026, 11, 9, 9), tick=False):
        # E: returned without reason — overruled, counts against 区城管局
        e = services.register_case(new_case(world), actor=actors["dispatcher"], category=category)
        e = services.dispatch_case(e, actor=actors["dispatcher"], lead_unit=world["d1"])
        services.return_assignment(
            e.assignments.get(), actor=actors["handler"], reason="not_our_duty", note="x"
        )
        services.adjudicate_return(e, actor=actors["dispatcher"], upheld=False, note="属城管职责")
        # F: returned with reason — upheld and sent to 区教育局: not counted against 区城管局
        f = services.register_case(new_case(world), actor=actors["dispatcher"], category=category)
        f = services.dispatch_case(f, actor=actors["dispatcher"], lead_unit=world["d1"])
        services.return_assignment(
            f.assignments.get(), actor=actors["handler"], reason="not_our_duty", note="y"
        )
        services.adjudicate_return(
            f, actor=actors["dispatcher"], upheld=True, note="改派", lead_unit=world["d2"]
        )


def test_department_rates_and_score(november):
    table = evaluate(dt.date(2026, 11, 1), "department")
    d1 = next(row for row in table if row.unit.name == "区城市管理和综合执法局")
    assert (d1.closed, d1.callbacks, d1.contacted, d1.resolved, d1.satisfied, d1.basic) == (4, 3, 2, 2, 1, 1)
    assert (d1.on_time, d1.reworked, d1.dispatched, d1.returned) == (3, 1, 6, 1)
    rates = {k: round(v, 4) for k, v in d1.rates.items()}
    assert rates == {
        "response": 0.6667,
        "resolution": 0.6667,
        "satisfaction": 0.6333,
        "on_time": 0.75,
        "rework": 0.25,
        "returns": 0.1667,
    }
    # 0.1×2/3 + 0.3×2/3 + 0.3×1.9/3 + 0.2×0.75 + 0.05×0.75 + 0.05×5/6 = 0.685833…
    assert d1.score == 68.58 and d1.rank == 1
    d2 = next(row for row in table if row.unit.name == "区教育局")
    assert d2.dispatched == 1 and d2.returned == 0 and d2.closed == 0
    assert d2.score is None and d2.rank is None  # listed, not ranked, until it closes a case


ONLY_SATISFACTION = {
    "response": 0,
    "resolution": 0,
    "satisfaction": 1,
    "on_time": 0,
    "rework": 0,
    "returns": 0,
}


def test_weights_are_versioned_by_month(november):
    EvaluationWeightsFactory(effective_from=dt.date(2026, 12, 1), **ONLY_SATISFACTION)
    d1_nov = next(r for r in evaluate(dt.date(2026, 11, 1), "department") if r.unit.name.startswith("区城市"))
    assert d1_nov.score == 68.58  # December's weights do not rewrite November
    EvaluationWeightsFactory(effective_from=dt.date(2026, 11, 1), **ONLY_SATISFACTION)
    d1_nov = next(r for r in evaluate(dt.date(2026, 11, 1), "department") if r.unit.name.startswith("区城市"))
    assert d1_nov.score == 63.33


def test_territorial_tables(november):
    streets = evaluate(dt.date(2026, 11, 1), "street")
    assert [(row.unit.name, row.closed) for row in streets] == [("望月湖街道", 4)]
    communities = evaluate(dt.date(2026, 11, 1), "community")
    assert [(row.unit.name, row.closed) for row in communities] == [("湖东社区", 4)]
    assert evaluate(dt.date(2026, 10, 1), "department") == []


def test_rankings_page_and_export_show_the_same_numbers(client, november, actors):
    import io

    from django.urls import reverse
    from openpyxl import load_workbook

    client.force_login(actors["supervisor"])
    page = client.get(reverse("rankings"), {"month": "2026-11", "group": "department"}).content.decode()
    assert "区城市管理和综合执法局" in page and "68.58" in page and "67%" in page
    response = client.get(reverse("rankings"), {"month": "2026-11", "format": "xlsx"})
    sheet = load_workbook(io.BytesIO(response.content))["区直部门"]
    rows = {row[1]: row for row in sheet.iter_rows(min_row=4, values_only=True)}
    d1 = rows["区城市管理和综合执法局"]
    assert d1[0] == 1 and d1[2] == 4 and d1[3] == 3 and d1[4] == 0.6667 and d1[-1] == 68.58
    assert sheet.cell(row=5, column=5).number_format == "0.0%" and sheet["A4"].value == "名次"
    client.force_login(actors["handler"])
    assert client.get(reverse("rankings")).status_code == 404


def test_past_months_are_cached_for_the_trend_and_the_current_month_is_not(november, world, actors, category):
    from cases.evaluation import evaluate_cached

    def closed(table):
        return sum(row.closed for row in table)

    with time_machine.travel(at(2026, 12, 10, 9), tick=False):  # November is now a past month
        first = closed(evaluate_cached(dt.date(2026, 11, 1), "department"))
    handled(world, actors, category, day=20)  # one more closure in November
    with time_machine.travel(at(2026, 12, 10, 9, 5), tick=False):
        assert closed(evaluate_cached(dt.date(2026, 11, 1), "department")) == first  # cached
        assert closed(evaluate(dt.date(2026, 11, 1), "department")) == first + 1
    with time_machine.travel(at(2026, 11, 30, 9), tick=False):  # November is the current month
        assert closed(evaluate_cached(dt.date(2026, 11, 1), "department")) == first + 1
