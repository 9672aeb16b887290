"""The demo's bulk helpers (``demo.bulk``): plain-row inserts and the planner statistics refresh."""

import pytest
from django.db import connection

from demo.bulk import analyze, insert_rows
from workdays.models import CalendarOverride

pytestmark = pytest.mark.django_db


def test_insert_rows_converts_values_and_fills_defaults():
    import datetime as dt

    rows = [(dt.date(2031, 1, 1), "holiday", "元旦"), (dt.date(2031, 1, 5), "workday", "")]
    assert insert_rows(CalendarOverride, ["date", "kind", "name"], rows) == 2
    first, second = CalendarOverride.objects.order_by("date")
    assert (first.date, first.name, first.is_workday, first.note) == (dt.date(2031, 1, 1), "元旦", False, "")
    assert second.is_workday and second.created_at is not None  # the default of a column not given


@pytest.mark.skipif(connection.vendor != "postgresql", reason="ANALYZE is PostgreSQL's")
def test_analyze_in_a_transaction_keeps_no_lock_on_the_shared_catalogs():
    """A bare ``ANALYZE`` inside the demo's transaction also analyses the cluster's shared catalogs
    and keeps their locks until the transaction ends: in CI the restore drill's ``ANALYZE`` (another
    database, same server) then waited for the whole demo build. Only this database's own tables."""
    analyze()  # inside the test's transaction, as in the demo build
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname, c.relisshared FROM pg_locks l JOIN pg_class c ON c.oid = l.relation"
            " WHERE l.pid = pg_backend_pid() AND l.mode = 'ShareUpdateExclusiveLock'"
        )
        locked = cursor.fetchall()
    names = {name for name, _ in locked}
    assert "cases_case" in names and "party_meeting" in names  # the project's tables were analysed
    assert [name for name, shared in locked if shared] == []
