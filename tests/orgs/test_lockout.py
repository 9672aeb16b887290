"""Login throttling (django-axes with orgs.lockout): per account+address, per account, per
address; the Chinese lockout page with the wait time; unlock by an administrator; audit events;
API tokens unaffected."""

import datetime as dt

import pytest
import time_machine
from django.core.management import call_command

from api import services as api_services
from audit.models import AuditEvent
from core import clock
from core.actors import SYSTEM
from tests.factories import UserFactory

PASSWORD = "pw-123456"


@pytest.fixture
def user(db):
    return UserFactory(username="wangge", is_staff=True)


def login(client, username, password, address="10.0.0.1", **headers):
    data = {"username": username, "password": password}
    return client.post("/login/", data, REMOTE_ADDR=address, **headers)


def logged_in(response) -> bool:
    return response.status_code == 302 and response["Location"] == "/"


def test_thirty_wrong_passwords_from_many_addresses_lock_the_account(client, user):
    answers = [login(client, "wangge", "wrong", address=f"10.1.0.{i}") for i in range(1, 31)]
    assert [a.status_code for a in answers[:29]] == [200] * 29  # the form's own "wrong password"
    locked = answers[29]
    assert locked.status_code == 429
    page = locked.content.decode()
    assert "该账号在 24 小时内已连续输错密码 30 次" in page and "请联系系统管理员解锁" in page
    assert "约 24 小时后" in page
    assert 23 * 3600 < int(locked["Retry-After"]) <= 24 * 3600
    # The right password, from an address never used before, is refused while locked.
    again = login(client, "wangge", PASSWORD, address="10.9.9.9")
    assert again.status_code == 429 and "账号已锁定" in again.content.decode()
    assert "_auth_user_id" not in client.session
    event = AuditEvent.objects.get(action="auth.locked_out", subject_id=str(user.pk))
    assert event.after["limit"] == "account" and event.after["failures"] == 30
    # Another account is not affected.
    UserFactory(username="other")
    assert logged_in(login(client, "other", PASSWORD, address="10.9.9.9"))


def test_ten_wrong_passwords_lock_the_account_on_that_address(client, user):
    answers = [login(client, "wangge", "wrong") for _ in range(10)]
    assert [a.status_code for a in answers] == [200] * 9 + [429]
    page = answers[-1].content.decode()
    assert "密码连续输错 10 次,该账号已在本网络暂时锁定" in page and "约 15 分钟后" in page
    assert 14 * 60 < int(answers[-1]["Retry-After"]) <= 15 * 60
    refused = login(client, "wangge", PASSWORD)
    assert refused.status_code == 429 and "暂时锁定" in refused.content.decode()
    # Attempts refused while locked do not count or extend the lock.
    assert AuditEvent.objects.filter(action="auth.locked_out").count() == 1
    assert logged_in(login(client, "wangge", PASSWORD, address="10.0.0.2"))  # another address: fine
    client.logout()
    with time_machine.travel(clock.now() + dt.timedelta(minutes=15, seconds=1), tick=False):
        assert logged_in(login(client, "wangge", PASSWORD))


def test_a_successful_login_starts_the_count_afresh(client, user):
    for _ in range(9):
        login(client, "wangge", "wrong")
    assert logged_in(login(client, "wangge", PASSWORD))
    client.logout()
    with time_machine.travel(clock.now() + dt.timedelta(seconds=5), tick=False):
        assert [login(client, "wangge", "wrong").status_code for _ in range(9)] == [200] * 9
        assert logged_in(login(client, "wangge", PASSWORD))


def test_many_accounts_from_one_address_pause_that_address(client, settings, db):
    settings.LUOSHI_LOGIN_FAILURES_PER_NETWORK = 5
    UserFactory(username="real")
    answers = [login(client, f"guess{i}", "wrong", address="10.2.0.1") for i in range(5)]
    assert [a.status_code for a in answers] == [200] * 4 + [429]
    assert "您所在的网络 15 分钟内登录失败已达 5 次" in answers[-1].content.decode()
    assert login(client, "real", PASSWORD, address="10.2.0.1").status_code == 429
    assert logged_in(login(client, "real", PASSWORD, address="10.2.0.2"))
    event = AuditEvent.objects.get(action="auth.locked_out")
    assert event.subject_type == "auth.address" and event.after["limit"] == "network"


def test_the_address_behind_trusted_proxies_is_counted(client, settings, user):
    settings.LUOSHI_TRUSTED_PROXIES = 1
    for i in range(10):
        login(client, "wangge", "wrong", address="127.0.0.1", HTTP_X_FORWARDED_FOR=f"1.2.3.4, 10.3.0.{i}")
    # Ten different client addresses behind the same proxy: no per-address lock.
    assert logged_in(login(client, "wangge", PASSWORD, address="127.0.0.1", HTTP_X_FORWARDED_FOR="10.3.0.99"))


def test_admin_unlocks_the_account_and_both_are_audited(client, user):
    admin = UserFactory(username="it-admin", is_staff=True, is_superuser=True)
    for i in range(30):
        login(client, "wangge", "wrong", address=f"10.1.0.{i}")
    assert login(client, "wangge", PASSWORD, address="10.9.9.9").status_code == 429
    staff = type(client)()
    staff.force_login(admin)
    changelist = staff.get("/admin/orgs/loginfailure/")
    assert changelist.status_code == 200 and "锁定至" in changelist.content.decode()
    from axes.models import AccessFailureLog

    one = AccessFailureLog.objects.filter(username="wangge").first()
    done = staff.post(
        "/admin/orgs/loginfailure/",
        {"action": "unlock_accounts", "_selected_action": [one.pk]},
        follow=True,
    )
    assert "已解锁 1 个账号,清除失败记录 30 条" in done.content.decode()
    unlocked = AuditEvent.objects.get(action="auth.unlocked", subject_id=str(user.pk))
    assert unlocked.actor == admin and unlocked.before["failures"] == 30
    assert AuditEvent.objects.filter(action="auth.locked_out", subject_id=str(user.pk)).count() == 1
    assert logged_in(login(client, "wangge", PASSWORD, address="10.9.9.9"))


def test_unlock_page_is_for_superusers_only(client, user):
    staff = UserFactory(username="staff", is_staff=True)
    client.force_login(staff)
    assert client.get("/admin/orgs/loginfailure/").status_code == 403


def test_command_line_unlock_is_audited(client, user):
    for _ in range(10):
        login(client, "wangge", "wrong")
    call_command("axes_reset_username", "wangge")
    event = AuditEvent.objects.get(action="auth.unlocked", subject_id=str(user.pk))
    assert event.actor is None and "命令行" in event.reason
    assert logged_in(login(client, "wangge", PASSWORD))


def test_api_tokens_keep_working_for_a_locked_out_account(client, user):
    """The lockout is about password guessing on /login/: a token issued to the user earlier keeps
    working (revoke it in 接口令牌 if it is the token that is compromised)."""
    _, raw = api_services.issue_token(owner=user, name="测试令牌", actor=SYSTEM)
    for i in range(30):
        login(client, "wangge", "wrong", address=f"10.1.0.{i}")
    assert login(client, "wangge", PASSWORD, address="10.9.9.9").status_code == 429
    answer = client.get("/api/v1/me", headers={"Authorization": f"Bearer {raw}"})
    assert answer.status_code == 200


def test_unknown_usernames_are_counted_too(client, db):
    answers = [login(client, "nobody", "wrong") for _ in range(10)]
    assert answers[-1].status_code == 429
    assert AuditEvent.objects.get(action="auth.locked_out").subject_type == "auth.login_name"
