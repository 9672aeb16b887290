"""Rule data (规则参数) is read once per process and change (``party.rules``): a service that loads
the rules per item pays one stamp query, and an edit — in this process or in another — is seen at once."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from party import rules
from party.rules import Rules
from party.rules.models import RuleParameter

DAY = dt.date(2026, 12, 7)

pytestmark = pytest.mark.django_db


def test_a_second_load_reads_only_the_stamp():
    Rules.load(DAY)
    with CaptureQueriesContext(connection) as queries:
        Rules.load(DAY)
    assert len(queries) == 1


def test_an_edit_in_this_process_is_seen_at_once():
    row = RuleParameter.objects.filter(org__isnull=True, value_type="int").first()
    before = Rules.load(DAY).get(row.code)
    row.value = str(int(row.value) + 7)
    row.save()  # as the admin saves it; changed_at may not move under a frozen clock: the signal counts
    assert Rules.load(DAY).get(row.code) == before + 7


def test_an_edit_in_another_process_is_seen_through_the_stamp():
    row = RuleParameter.objects.filter(org__isnull=True, value_type="int").first()
    before = Rules.load(DAY).get(row.code)
    later = RuleParameter.objects.order_by("-changed_at").values_list("changed_at", flat=True)[0]
    # another web node's edit: no signal here, only the row (and its changed_at) in the database
    RuleParameter.objects.filter(pk=row.pk).update(
        value=str(before + 3), changed_at=later + dt.timedelta(seconds=1)
    )
    assert Rules.load(DAY).get(row.code) == before + 3


def test_a_new_version_counts_from_its_day():
    row = RuleParameter.objects.filter(org__isnull=True, value_type="int").first()
    before = Rules.load(DAY).get(row.code)
    RuleParameter.objects.bulk_create(  # no signal: the row count tells
        [
            RuleParameter(
                code=row.code,
                name=row.name,
                value=str(before + 1),
                value_type=row.value_type,
                source=row.source,
                confidence=row.confidence,
                effective_from=DAY + dt.timedelta(days=30),
            )
        ]
    )
    assert Rules.load(DAY).get(row.code) == before
    assert Rules.load(DAY + dt.timedelta(days=30)).get(row.code) == before + 1
    rules.forget()
    assert Rules.load(DAY).get(row.code) == before
