"""What every intake reads — the SLA rules, the calendar's overrides, the org tree — comes from a
per-process copy (core.procache), and a change to any of them is seen by the next intake."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cases import deadlines
from cases.models import SlaRule, Stage, Urgency
from core.actors import SYSTEM
from orgs import services as org_services
from orgs.models import Org
from workdays import services as workday_services
from workdays.models import CalendarOverride

from .conftest import new_case

pytestmark = pytest.mark.django_db

CACHED_TABLES = ("cases_slarule", "workdays_calendaroverride", "workdays_officialyear", '"orgs_org"')


def _register_rule(case):
    return deadlines.rule_for(case.category, case.urgency, Stage.REGISTER, case.created_at.date())


def test_a_warm_intake_reads_no_rule_calendar_or_org_row_and_no_audit_head(world):
    new_case(world)  # loads the copies
    with CaptureQueriesContext(connection) as queries:
        case = new_case(world)
    sql = [q["sql"] for q in queries.captured_queries]
    assert not [s for s in sql if any(table in s for table in CACHED_TABLES) and s.startswith("SELECT")]
    assert not [s for s in sql if "audit_audithead" in s and s.startswith("SELECT")]
    assert case.due_at is not None and case.street == world["s1"] and case.community == world["c1"]


def test_a_changed_sla_rule_is_seen_by_the_next_intake(world):
    first = new_case(world)
    rule = _register_rule(first)
    expected_before = deadlines.due_after(first.created_at, rule.limit, rule.unit)
    assert first.due_at == expected_before
    rule.limit = rule.limit * 3  # saved as the admin does (post_save)
    rule.save()
    second = new_case(world)
    assert second.due_at == deadlines.due_after(second.created_at, rule.limit, rule.unit)
    assert second.due_at > first.due_at


def test_a_deleted_sla_rule_is_gone_for_the_next_intake(world):
    assert _register_rule(new_case(world)) is not None
    SlaRule.objects.filter(urgency=Urgency.ORDINARY, stage=Stage.REGISTER).delete()
    case = new_case(world)
    assert _register_rule(case) is None
    assert case.due_at == deadlines.due_after(case.created_at, *deadlines.FALLBACK_LIMIT)


def test_a_calendar_override_is_seen_by_the_next_intake(world):
    first = new_case(world)
    due_day = first.due_at.astimezone(dt.timezone(dt.timedelta(hours=8))).date()
    workday_services.save_override(
        CalendarOverride(date=due_day, kind=CalendarOverride.Kind.HOLIDAY, name="临时放假"), actor=SYSTEM
    )
    second = new_case(world)
    assert second.due_at.date() > first.due_at.date()
    assert second.due_at == deadlines.due_after(
        second.created_at, _register_rule(second).limit, _register_rule(second).unit
    )


def test_a_moved_org_is_seen_by_the_next_intake(world):
    assert new_case(world).street == world["s1"]
    org_services.move_org(world["c1"], world["s2"], actor=SYSTEM, reason="区划调整")
    moved = Org.objects.get(pk=world["c1"].pk)  # a page loads the area afresh
    case = new_case(world, area=moved)
    assert (case.street, case.community) == (world["s2"], world["c1"])
    assert case.org_path.startswith(world["s2"].path)
