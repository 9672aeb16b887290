"""The whole demo district, built at a spread of frozen moments, shows every showcase state.

``make demo`` builds the demo relative to the day it runs; main's CI once went red on a Monday
because a showcase state (a completion awaiting verification) was placed on calendar days that
fell on a weekend. Each moment below is awkward in its own way; ``tests/demo_showcase.py`` lists
what each demo account must find.

A full build takes about a minute, so the spread runs on SQLite (the default suite) and the
PostgreSQL suite builds the first moment only: the placing of states depends on the calendar,
not on the database. Each moment combines several awkward things (until session 11 there were
five moments; the first working morning after a long holiday (the Spring Festival) stays covered
by the case demo's own moment in ``tests/cases/test_demo_cases.py``).
"""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection

from audit.verify import verify
from demo.build import build_all

from .demo_findings import check_every_rule_shows, check_incremental_matches
from .demo_showcase import problems

TZ = ZoneInfo("Asia/Shanghai")
MOMENTS = [
    # The Monday on which main's CI failed (two calendar days back is a Saturday).
    pytest.param(dt.datetime(2026, 12, 7, 10, 0, tzinfo=TZ), id="2026-12-07-monday"),
    # Several awkward things at once: just after midnight on the first working day of a year that
    # chinesecalendar does not cover (fallback rules), a Monday after the New Year holiday, before
    # office hours, with the month and the year only begun (nothing reported this month yet).
    pytest.param(dt.datetime(2027, 1, 4, 0, 30, tzinfo=TZ), id="2027-01-04-new-year-monday-0030"),
    # A Sunday night at the end of a month.
    pytest.param(dt.datetime(2026, 5, 31, 23, 30, tzinfo=TZ), id="2026-05-31-sunday-month-end"),
]


@pytest.mark.django_db
@pytest.mark.parametrize("moment", MOMENTS)
def test_the_demo_shows_every_state_on_any_day(moment, settings, tmp_path, request):
    if connection.vendor != "sqlite" and request.node.callspec.id != MOMENTS[0].id:
        pytest.skip("the date spread runs on SQLite; PostgreSQL builds the first moment")
    settings.MEDIA_ROOT = tmp_path
    with time_machine.travel(moment, tick=True):
        build_all()
        found = problems()
        assert found == [], "\n".join(found)
        assert list(verify()) == []  # the replayed history's audit chains are intact
        if request.node.callspec.id == MOMENTS[0].id:
            # Every registered compliance rule (应建未建 first) has a finding in the demo district
            # and `luoshi party findings 岳麓区` lists them (tests/demo_findings.py).
            check_every_rule_shows()
            # Recomputing any part of it gives the full recomputation's findings.
            check_incremental_matches()
