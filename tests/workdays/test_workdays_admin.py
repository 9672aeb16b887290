"""Admin of the working-day calendar: fallback warning, audited changes, year confirmation, home page."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.urls import reverse

from audit.models import AuditEvent
from core.home import home_sections
from tests.factories import CalendarOverrideFactory, OfficialYearFactory
from workdays import events
from workdays.home import workdays_section
from workdays.models import CalendarOverride, OfficialYear

SH = ZoneInfo("Asia/Shanghai")
WARNING_2027 = "2027年的节假日安排尚未录入,系统暂按周末和法定节日推算工作日。"
OVERRIDES_URL = reverse("admin:workdays_calendaroverride_changelist")
YEARS_URL = reverse("admin:workdays_officialyear_changelist")


def travel(year, month, day):
    return time_machine.travel(dt.datetime(year, month, day, 10, 0, tzinfo=SH), tick=False)


@pytest.fixture
def superuser(db):
    return get_user_model().objects.create_superuser(username="root", password="x-secret-123", email="")


@pytest.fixture
def admin_site_client(client, superuser):
    client.force_login(superuser)
    return client


# --- the fallback warning -------------------------------------------------------------------------


@pytest.mark.parametrize("url", [OVERRIDES_URL, YEARS_URL])
def test_changelist_shows_fallback_warning_to_superuser(client, superuser, url):
    with travel(2027, 3, 1):
        client.force_login(superuser)  # inside the time travel: sessions expire
        response = client.get(url)
    assert response.status_code == 200
    assert WARNING_2027 in response.content.decode()


def test_changelist_warns_about_next_year_from_october(client, superuser):
    with travel(2026, 9, 30):
        client.force_login(superuser)
        assert WARNING_2027 not in client.get(OVERRIDES_URL).content.decode()
    with travel(2026, 10, 1):
        client.force_login(superuser)
        assert WARNING_2027 in client.get(OVERRIDES_URL).content.decode()


def test_no_warning_once_year_confirmed(client, superuser):
    OfficialYearFactory(year=2027)
    with travel(2027, 3, 1):
        client.force_login(superuser)
        response = client.get(OVERRIDES_URL)
    assert response.status_code == 200
    assert "尚未录入" not in response.content.decode()


# --- audited changes to overrides -----------------------------------------------------------------


def test_admin_add_override_writes_audit_event(admin_site_client, superuser):
    response = admin_site_client.post(
        reverse("admin:workdays_calendaroverride_add"),
        {"date": "2026-11-30", "kind": "holiday", "name": "临时放假", "note": "区委通知", "_save": "保存"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    override = CalendarOverride.objects.get(date=dt.date(2026, 11, 30))
    assert override.created_by == superuser
    event = AuditEvent.objects.get(action=events.OVERRIDE_CREATED)
    assert event.subject_type == "workdays.calendaroverride"
    assert event.subject_id == str(override.pk)
    assert event.actor == superuser
    assert event.before is None
    assert event.after["date"] == "2026-11-30"
    assert event.after["kind"] == "holiday"
    # and it takes effect
    from workdays.calendar import add_workdays

    assert add_workdays(dt.date(2026, 11, 27), 1) == dt.date(2026, 12, 1)


def test_admin_change_override_writes_audit_event(admin_site_client, superuser):
    override = CalendarOverrideFactory(date=dt.date(2026, 11, 30), kind="holiday", name="临时放假")
    response = admin_site_client.post(
        reverse("admin:workdays_calendaroverride_change", args=[override.pk]),
        {"date": "2026-11-30", "kind": "holiday", "name": "临时放假", "note": "改为全天", "_save": "保存"},
    )
    assert response.status_code == 302
    event = AuditEvent.objects.get(action=events.OVERRIDE_CHANGED)
    assert event.before["note"] == "" and event.after["note"] == "改为全天"
    assert "备注" in event.reason
    assert event.actor == superuser


def test_admin_delete_override_writes_audit_event(admin_site_client, superuser):
    override = CalendarOverrideFactory(date=dt.date(2026, 11, 30), kind="holiday")
    pk = override.pk
    response = admin_site_client.post(
        reverse("admin:workdays_calendaroverride_delete", args=[pk]), {"post": "yes"}
    )
    assert response.status_code == 302
    assert not CalendarOverride.objects.filter(pk=pk).exists()
    event = AuditEvent.objects.get(action=events.OVERRIDE_DELETED)
    assert (event.subject_type, event.subject_id) == ("workdays.calendaroverride", str(pk))
    assert event.before["date"] == "2026-11-30"
    assert event.after is None
    assert event.actor == superuser


def test_admin_bulk_delete_overrides_writes_one_event_each(admin_site_client):
    pks = [CalendarOverrideFactory(date=dt.date(2027, 2, day), kind="holiday").pk for day in (9, 10)]
    response = admin_site_client.post(
        OVERRIDES_URL, {"action": "delete_selected", "_selected_action": pks, "post": "yes"}
    )
    assert response.status_code == 302
    assert not CalendarOverride.objects.exists()
    deleted = AuditEvent.objects.filter(action=events.OVERRIDE_DELETED)
    assert sorted(int(e.subject_id) for e in deleted) == sorted(pks)


def test_admin_rejects_out_of_range_date(admin_site_client):
    response = admin_site_client.post(
        reverse("admin:workdays_calendaroverride_add"),
        {"date": "2100-01-01", "kind": "holiday", "name": "", "note": "", "_save": "保存"},
    )
    assert response.status_code == 200
    assert not CalendarOverride.objects.exists()


# --- confirming a year ----------------------------------------------------------------------------


def test_admin_confirm_year_form(admin_site_client, superuser):
    response = admin_site_client.post(
        reverse("admin:workdays_officialyear_add"), {"year": "2027", "note": "国办发明电", "_save": "保存"}
    )
    assert response.status_code == 302
    official = OfficialYear.objects.get(year=2027)
    assert official.confirmed_by == superuser
    event = AuditEvent.objects.get(action=events.YEAR_CONFIRMED)
    assert event.after["year"] == 2027
    from workdays.calendar import year_status

    assert year_status(2027) == "official"


def test_admin_confirm_year_rejects_builtin_year(admin_site_client):
    response = admin_site_client.post(
        reverse("admin:workdays_officialyear_add"), {"year": "2026", "note": "", "_save": "保存"}
    )
    assert response.status_code == 200
    assert "无需确认" in response.content.decode()
    assert not OfficialYear.objects.exists()


def test_admin_unconfirm_year_is_audited(admin_site_client):
    official = OfficialYearFactory(year=2027)
    response = admin_site_client.post(
        reverse("admin:workdays_officialyear_delete", args=[official.pk]), {"post": "yes"}
    )
    assert response.status_code == 302
    assert not OfficialYear.objects.exists()
    assert AuditEvent.objects.filter(action=events.YEAR_UNCONFIRMED, subject_id=str(official.pk)).exists()


def test_override_action_confirms_years(admin_site_client, superuser):
    pks = [
        CalendarOverrideFactory(date=dt.date(2027, 2, 9), kind="holiday", name="春节").pk,
        CalendarOverrideFactory(date=dt.date(2026, 11, 30), kind="holiday").pk,
    ]
    response = admin_site_client.post(OVERRIDES_URL, {"action": "confirm_years", "_selected_action": pks})
    assert response.status_code == 302
    assert list(OfficialYear.objects.values_list("year", flat=True)) == [2027]  # 2026 is built in
    assert OfficialYear.objects.get().confirmed_by == superuser
    assert AuditEvent.objects.filter(action=events.YEAR_CONFIRMED).count() == 1
    # idempotent
    admin_site_client.post(OVERRIDES_URL, {"action": "confirm_years", "_selected_action": pks})
    assert AuditEvent.objects.filter(action=events.YEAR_CONFIRMED).count() == 1


# --- home page ------------------------------------------------------------------------------------


def test_home_section_for_administrators(superuser):
    with travel(2027, 3, 1):
        section = workdays_section(superuser)
        assert [s.title for s in home_sections(superuser)].count("工作日历") == 1
    assert section.title == "工作日历"
    [item] = section.items
    assert item.level == "warning"
    assert item.text.startswith(WARNING_2027)
    assert item.url == OVERRIDES_URL


@pytest.mark.django_db
def test_home_section_hidden_from_others_and_when_no_warning(superuser):
    from django.contrib.auth.models import AnonymousUser

    clerk = get_user_model().objects.create_user(username="clerk", password="x-secret-123")
    with travel(2027, 3, 1):
        assert workdays_section(clerk) is None
        assert workdays_section(AnonymousUser()) is None
    with travel(2026, 5, 1):
        assert workdays_section(superuser) is None
