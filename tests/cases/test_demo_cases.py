"""The demo cases (演示事项): ``demo.cases.build_demo_cases`` and ``luoshi build_demo_cases``.

Building the demo district and its cases takes a while, so one database test builds both once (a
shorter, thinner history than the default) and checks everything about the result, then builds
again to check that the second run reuses the cases.
"""

import datetime as dt
import io
from collections import defaultdict
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.utils import timezone

from audit.models import AuditEvent
from audit.verify import verify
from cases import selectors, summaries
from cases.models import (
    OPEN_STATUSES,
    AssignmentStatus,
    Case,
    CaseAssignment,
    CaseRequest,
    CaseStatus,
    Category,
    Channel,
    ReporterMessage,
    RequestKind,
    Responsibility,
    SupervisionNotice,
)
from core import outbound
from core.models import Notification
from demo import case_texts as demo_texts
from demo import cases as demo
from demo.orgs import build_demo, find_demo_root
from orgs.models import User

# A shorter, thinner history than the default keeps the test quick; the recent two weeks, where
# every open stage is left, are fully there.
DAYS, VOLUME = 30, 0.45


def test_texts_cover_every_weighted_category_and_fill():
    import random

    rng = random.Random(1)
    for code in demo.CATEGORY_WEIGHTS:
        pairs = demo_texts.PROBLEMS[code]
        assert len(pairs) >= 3, code
        for title, description in pairs:
            fragments = demo_texts.place(rng)
            for text in (demo_texts.fill(title, fragments), demo_texts.fill(description, fragments)):
                assert "{" not in text and len(text) <= 200, text
            assert len(demo_texts.fill(title, fragments)) <= 30, title
            address = demo_texts.address_for(description, fragments)
            assert 3 <= len(address) <= 60, (description, address)
            if "{xiaoqu}" in description:
                assert fragments["xiaoqu"] in address  # the address names the place described
        assert demo_texts.feedback_for(code, rng)


@pytest.mark.django_db
def test_needs_the_demo_district():
    with pytest.raises(demo.DemoCasesError, match="build_demo"):
        demo.build_demo_cases()
    with pytest.raises(CommandError, match="build_demo"):
        call_command("build_demo_cases", stdout=io.StringIO())


@pytest.mark.django_db
@pytest.mark.parametrize(
    "moment",
    [
        # The first working morning after the Spring Festival holiday (cases reported before it
        # still waiting). Until session 12 this test also built at the real "now" and on a Monday
        # just after midnight; both are covered by tests/test_demo_dates.py, which builds the whole
        # demo — cases included, each account's showcase checked — at 2026-12-07 (a Monday) and at
        # 2027-01-04 00:30 (a Monday just after midnight), on a machine where each build costs minutes.
        dt.datetime(2026, 2, 24, 8, 30, tzinfo=ZoneInfo("Asia/Shanghai")),
    ],
    ids=["after-spring-festival"],
)
def test_build_demo_cases(settings, tmp_path, moment):
    """The demo shows every status and fills every demo account's queue whatever the moment it
    is built at (its showcase cases are placed in working days before that moment)."""
    settings.MEDIA_ROOT = tmp_path  # photos of on-the-spot closures
    settings.LUOSHI_OUTBOX_FILE = str(tmp_path / "outbox.jsonl")  # the resident's messages
    with time_machine.travel(moment, tick=True):
        _check_demo_cases()


def _check_demo_cases():
    build_demo(stdout=None)
    root = find_demo_root()

    # The plan is seeded: the same day gives the same cases.
    def plans():
        builder = demo._Builder(
            root, timezone.now().replace(second=0, microsecond=0), days=DAYS, volume=VOLUME
        )
        return [
            (p.at, p.channel, p.code, p.where, p.fate, p.stall, p.grid and p.grid.org.pk)
            for p in builder.plan()
        ]

    first = plans()
    assert first == plans()
    assert {p[2] for p in first} <= set(Category.objects.values_list("code", flat=True))

    out = io.StringIO()
    summary = demo.build_demo_cases(stdout=out, days=DAYS, volume=VOLUME)
    now = timezone.now()
    assert not summary.reused and "演示事项已生成" in out.getvalue()
    cases = Case.objects.filter(is_demo=True)
    assert summary.total == cases.count() == Case.objects.count() > 100
    # The rankings' stored monthly figures agree with the demo's raw rows in every month.
    months = summaries.months_with_data()
    assert months and {m: summaries.check(m) for m in months} == {m: [] for m in months}

    # Every status, every channel; some open cases overdue.
    statuses = set(cases.values_list("status", flat=True))
    assert statuses == set(CaseStatus.values), set(CaseStatus.values) - statuses
    assert set(cases.values_list("channel", flat=True)) == {Channel.PUBLIC, Channel.PATROL, Channel.HOTLINE}
    assert cases.overdue(now).exists()
    assert cases.filter(due_at__gte=now).open().exists()
    assert cases.filter(resolved_on_spot=True).exists()
    assert cases.filter(rework_count__gt=0).exists()
    assert cases.filter(anonymous=True).exists()
    assert cases.filter(grid__isnull=True, community__isnull=True, street__isnull=True).exists()  # outside
    assert cases.exclude(rated_at=None).exists()
    returned = CaseAssignment.objects.filter(case__is_demo=True, status=AssignmentStatus.RETURNED)
    assert returned.filter(return_upheld=True).exists()
    assert CaseAssignment.objects.filter(case__is_demo=True, role="co").exists()
    closed = cases.filter(status=CaseStatus.CLOSED)
    assert 0.7 < closed.filter(closed_on_time=True).count() / closed.count() < 0.97
    oldest = timezone.localdate() - dt.timedelta(days=DAYS + 1)
    assert not cases.filter(created_at__date__lt=oldest).exclude(reporter_user__isnull=False).exists()

    # The demo accounts see populated queues.
    users = {u.username: u for u in User.objects.filter(username__in=demo.DEMO_ACCOUNTS)}
    assert Case.objects.visible_to(users["jiedao"], "dispatch").open().exists()
    assert CaseAssignment.objects.visible_to(users["bumen"], "handle").active().exists()
    assert Case.objects.visible_to(users["jiedao"], "dispatch").filter(status=CaseStatus.RETURNED).exists()
    assert CaseAssignment.objects.visible_to(users["bumen"], "handle").filter(status="pending").exists()
    assert Case.objects.visible_to(users["shequ"]).open().exists()
    assert CaseAssignment.objects.visible_to(users["shequ"], "handle").active().exists()
    assert Case.objects.visible_to(users["wanggeyuan"]).exists()
    mine = Case.objects.visible_to(users["jumin"])
    assert mine.count() == mine.filter(reporter_user=users["jumin"]).count() == 3
    assert len(set(mine.values_list("status", flat=True))) == 3
    assert mine.filter(status=CaseStatus.CLOSED, rating_satisfaction="satisfied").exists()
    # 办理进度通知: jumin's milestones are in the inbox and in the file outbox, once each.
    told = ReporterMessage.objects.filter(case__reporter_user=users["jumin"]).select_related("case")
    assert told.filter(milestone="received").count() == 3 and told.filter(milestone="closed").exists()
    assert (
        Notification.objects.filter(user=users["jumin"], kind__startswith="resident.").count() == told.count()
    )
    keys = [line["key"] for line in outbound.read_outbox()]
    assert sorted(keys) == sorted(f"{m.case.number}-{m.milestone}-{m.round}" for m in told)
    assert (
        not ReporterMessage.objects.exclude(case__reporter_user=users["jumin"])
        .filter(case__is_demo=True)
        .exists()
    )
    assert AuditEvent.objects.filter(actor=users["jiedao"], action="case.dispatched").exists()
    assert AuditEvent.objects.filter(actor=users["bumen"], action="case.fed_back").exists()

    # Coordination and approvals: merged duplicates, whistles, every kind of request decided, and
    # something waiting for each demo account.
    assert cases.filter(status=CaseStatus.MERGED, merged_into__isnull=False).exists()
    assert CaseAssignment.objects.filter(case__is_demo=True, role="summoned", status="signed").exists()
    decided = CaseRequest.objects.filter(case__is_demo=True).exclude(status="pending")
    assert set(decided.values_list("kind", flat=True)) == set(RequestKind.values)
    assert cases.filter(excluded_from_evaluation=True).exists()
    assert cases.filter(rehandle_count__gt=0).exists()
    assert CaseRequest.objects.visible_to(users["jiedao"], "dispatch").pending().exists()
    summoned = CaseAssignment.objects.visible_to(users["bumen"], "handle").filter(role="summoned")
    assert summoned.filter(status="pending").exists()
    assert AuditEvent.objects.filter(actor=users["dudao"], action="case.request_approved").exists()
    assert (
        CaseRequest.objects.visible_to(users["dudao"], "supervise")
        .pending()
        .filter(kind="exclusion")
        .exists()
    )
    # The first supervision pass ran: overdue cases have their notice, addressed to a unit.
    assert SupervisionNotice.objects.filter(kind="notice", unit__isnull=False).exists()
    assert "督办通知单" in out.getvalue()
    # dudao urged the longest-overdue cases and issued a numbered notice (岳督办〔year〕n号).
    urges = SupervisionNotice.objects.filter(kind="urge", manual=True)
    assert urges.count() == 2 and all(u.issued_by == users["dudao"] for u in urges)
    assert SupervisionNotice.objects.filter(
        kind="notice", manual=True, number__startswith="岳督办〔"
    ).exists()

    # The responsibility list routes cases as configured.
    assert Responsibility.objects.filter(org=root).count() == len(demo.DISTRICT_RESPONSIBILITIES)
    dust = cases.filter(category__code="0603").exclude(lead_unit=None).first()
    if dust is not None:
        assert dust.assignments.filter(org__name=demo.ECOLOGY).exists()
    neighbours = cases.filter(category__code="2001", community__isnull=False).exclude(lead_unit=None)
    for case in neighbours[:5]:
        assert case.lead_unit == selectors.suggest_units(case)[0] == case.community

    # The audit chains verify; timestamps agree with each other and with the audit events.
    assert list(verify()) == []
    events = defaultdict(list)
    for subject_id, seq, created_at in AuditEvent.objects.filter(subject_type="cases.case").values_list(
        "subject_id", "seq", "created_at"
    ):
        events[int(subject_id)].append((seq, created_at))
    fields = ("created_at", "registered_at", "dispatched_at", "fed_back_at", "closed_at")
    limit = now + dt.timedelta(days=30)
    for case in cases.only(*fields, "due_at", "rated_at", "status"):
        moments = [getattr(case, name) for name in fields if getattr(case, name) is not None]
        assert moments == sorted(moments), case.number
        assert all(moment <= now for moment in moments), case.number
        if case.status != CaseStatus.PARKED:  # parked cases run to their planned date
            assert case.due_at is None or case.due_at <= limit, case.number
        times = [t for _, t in sorted(events[case.pk])]
        assert times and times == sorted(times), case.number
        assert times[0] == case.created_at and times[-1] <= now, case.number
    assert cases.open().count() == sum(summary.by_status[s] for s in OPEN_STATUSES)

    # A second run reuses the cases and adds nothing.
    counts = (Case.objects.count(), AuditEvent.objects.count(), Responsibility.objects.count())
    out = io.StringIO()
    call_command("build_demo_cases", stdout=out)
    assert "复用" in out.getvalue()
    assert (Case.objects.count(), AuditEvent.objects.count(), Responsibility.objects.count()) == counts
