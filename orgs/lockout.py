"""Login throttling: django-axes with Luoshi's limits, Chinese lockout page and audit events.

django-axes does the plumbing: its authentication backend (first in ``AUTHENTICATION_BACKENDS``)
refuses a login while the request is locked, before the password is even checked; its signal
receivers pass every failed and successful login to the handler configured in ``AXES_HANDLER``
(this module's ``LoginThrottle``); its middleware turns a refused login into the response of
``AXES_LOCKOUT_CALLABLE`` (``lockout_response`` here: the login page with the reason and the
time when the login opens again, HTTP 429 with ``Retry-After``).

Axes counts with one failure limit and one cool-off for all its lockout parameters; Luoshi needs
three limits with their own thresholds and windows, so the handler counts failures itself, from
axes' per-failure log (``AccessFailureLog``: one row per failed password, with the username and
the client address from ``core.http.client_ip``, which honours ``LUOSHI_TRUSTED_PROXIES``):

========== ===================================== ============ ===================================
limit      counts failures of                     default      locked until
========== ===================================== ============ ===================================
address    one account from one client address    10 / 15 min  15 min after the 10th-last failure
account    one account from any address           30 / 24 h    24 h after the 30th-last failure,
                                                               or an administrator unlocks it
network    any accounts from one client address   100 / 15 min 15 min after the 100th-last
========== ===================================== ============ ===================================

A successful login starts the account's counts afresh (failures before the user's ``last_login``
do not count: the limits are about consecutive wrong passwords); the network count is not reset
by one account's success. Attempts refused while locked are not counted, so the time shown is the
time the login really opens. A lockout writes an ``auth.locked_out`` audit event; an unlock (the
admin's action, or ``luoshi manage axes_reset_username``/``axes_reset_ip``/``axes_reset``) clears
the counted failures and writes ``auth.unlocked``. API tokens are not affected: the lockout
guards password guessing on ``/login/``, and a token was issued to a logged-in user.
"""

from __future__ import annotations

import ipaddress
import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username
from axes.models import AccessFailureLog
from axes.signals import user_locked_out
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import AuthenticationForm
from django.db import transaction
from django.db.models import Q
from django.dispatch import receiver
from django.shortcuts import render
from django.utils import timezone

from audit import events
from audit.services import Subject, record
from core import clock
from core.actors import SYSTEM, is_system
from core.http import client_ip

LOCKED_OUT = events.register("auth.locked_out", "登录失败次数过多,已锁定")
UNLOCKED = events.register("auth.unlocked", "解除登录锁定")


@dataclass(frozen=True)
class Limit:
    name: str  # address | account | network
    label: str
    by_username: bool
    by_address: bool
    failures: int
    window: timedelta


@dataclass(frozen=True)
class Lock:
    limit: Limit
    failures: int
    until: datetime

    @property
    def seconds_left(self) -> int:
        return max(1, math.ceil((self.until - clock.now()).total_seconds()))


def axes_client_ip(request) -> str:
    """``AXES_CLIENT_IP_CALLABLE``: the same address as every other limit (``core.http.client_ip``,
    ``LUOSHI_TRUSTED_PROXIES``). Something that is not an address (no REMOTE_ADDR, e.g. a unix
    socket without the proxy setting) counts as 0.0.0.0: pooled, never a way around the limits."""
    address = client_ip(request)
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        return "0.0.0.0"


def limits() -> list[Limit]:
    s = settings
    cooloff = timedelta(minutes=s.LUOSHI_LOGIN_COOLOFF_MINUTES)
    account = timedelta(hours=s.LUOSHI_LOGIN_ACCOUNT_LOCK_HOURS)
    return [
        Limit("address", "同一账号在同一网络地址", True, True, s.LUOSHI_LOGIN_FAILURES_PER_ADDRESS, cooloff),
        Limit("account", "同一账号(不论网络地址)", True, False, s.LUOSHI_LOGIN_FAILURES_PER_ACCOUNT, account),
        Limit("network", "同一网络地址(不论账号)", False, True, s.LUOSHI_LOGIN_FAILURES_PER_NETWORK, cooloff),
    ]


def longest_window() -> timedelta:
    return max(limit.window for limit in limits())


def _last_login(username: str | None) -> datetime | None:
    if not username:
        return None
    return (
        get_user_model()
        .objects.filter(**{get_user_model().USERNAME_FIELD: username})
        .values_list("last_login", flat=True)
        .first()
    )


def locks(username: str | None, ip_address: str | None, now: datetime | None = None) -> list[Lock]:
    """The limits ``username`` from ``ip_address`` has reached now, each with when it lifts."""
    now = now or clock.now()
    last_login = _last_login(username)
    found = []
    for limit in limits():
        if limit.failures <= 0:
            continue
        if (limit.by_username and not username) or (limit.by_address and not ip_address):
            continue
        since = now - limit.window
        rows = AccessFailureLog.objects.filter(attempt_time__gt=since)
        if limit.by_username:
            rows = rows.filter(username=username)
            if last_login is not None:
                rows = rows.filter(attempt_time__gt=last_login)
        if limit.by_address:
            rows = rows.filter(ip_address=ip_address)
        # The limit holds while its N-th most recent failure is inside the window.
        times = list(rows.order_by("-attempt_time").values_list("attempt_time", flat=True)[: limit.failures])
        if len(times) >= limit.failures:
            found.append(Lock(limit, len(times), times[-1] + limit.window))
    return found


def _subject(username: str | None, ip_address: str | None):
    user = None
    if username:
        user = get_user_model().objects.filter(**{get_user_model().USERNAME_FIELD: username}).first()
    if user is not None:
        return user
    if username:
        return Subject("auth.login_name", username[:150], label=f"登录名 {username[:100]}")
    return Subject("auth.address", (ip_address or "unknown")[:64], label=f"网络地址 {ip_address}")


class LoginThrottle(AxesDatabaseHandler):
    """``AXES_HANDLER``: counts failures in ``AccessFailureLog`` against Luoshi's three limits."""

    def get_failures(self, request, credentials: dict | None = None) -> int:
        # Compared with AXES_FAILURE_LIMIT = 1: 1 when any limit is reached, else 0.
        return 1 if self._locks(request, credentials) else 0

    def _locks(self, request, credentials) -> list[Lock]:
        username = get_client_username(request, credentials)
        found = locks(username, request.axes_ip_address, request.axes_attempt_time)
        request.luoshi_locks = found
        return found

    def user_login_failed(self, sender, credentials: dict, request=None, **kwargs):
        if request is None:
            return
        request.axes_credentials = credentials
        if request.axes_locked_out:
            return  # refused by the backend while locked: not counted (the shown time stays true)
        if self.is_whitelisted(request, credentials):
            return
        username = get_client_username(request, credentials)
        failure = AccessFailureLog.objects.create(
            username=username,
            ip_address=request.axes_ip_address,
            user_agent=request.axes_user_agent,
            http_accept=request.axes_http_accept,
            path_info=request.axes_path_info,
            attempt_time=request.axes_attempt_time,
            locked_out=False,
        )
        found = self._locks(request, credentials)
        if found:
            AccessFailureLog.objects.filter(pk=failure.pk).update(locked_out=True)
            request.axes_locked_out = True
            address = request.axes_ip_address
            user_locked_out.send("axes", request=request, username=username, ip_address=address)

    def reset_user_attempts(self, request, credentials: dict | None = None) -> int:
        return 0  # a success resets through the user's last_login (see locks); the log stays

    def clean_expired_user_attempts(self, request=None, credentials=None) -> int:
        return 0  # nothing to clean per request: counts are windowed queries on the failure log

    def reset_attempts(self, *, ip_address=None, username=None, ip_or_username=False) -> int:
        """Unlock (axes' reset commands): clear the counted failures and audit each unlock."""
        return unlock(username=username, ip_address=ip_address, either=ip_or_username, actor=SYSTEM)


def unlock(*, username=None, ip_address=None, either=False, actor, reason: str = "") -> int:
    """Clear the failures that count towards the limits (those inside the longest window) for
    ``username`` and/or ``ip_address`` and write one ``auth.unlocked`` event per account or
    address unlocked. Returns the number of failures cleared."""
    rows = AccessFailureLog.objects.filter(attempt_time__gt=clock.now() - longest_window())
    if either:
        rows = rows.filter(Q(username=username) | Q(ip_address=ip_address))
    else:
        if username:
            rows = rows.filter(username=username)
        if ip_address:
            rows = rows.filter(ip_address=ip_address)
    reason = reason or ("命令行解锁(axes_reset)" if is_system(actor) else "管理员在后台解锁")
    with transaction.atomic():
        cleared = list(rows.values_list("username", "ip_address"))
        if not cleared:
            return 0
        groups: dict[tuple, list] = {}
        for name, address in cleared:
            if username or (name and not ip_address):
                key = (username or name, None)  # an account unlocked
            else:
                key = (None, ip_address or address)  # an address unlocked
            groups.setdefault(key, []).append((name, address))
        for (name, address), rows_cleared in groups.items():
            record(
                _subject(name, address),
                UNLOCKED,
                actor=actor,
                reason=reason,
                before={
                    "username": name or "",
                    "address": address or "",
                    "failures": len(rows_cleared),
                    "addresses": sorted({a or "" for _, a in rows_cleared})[:20],
                    "usernames": sorted({n or "" for n, _ in rows_cleared})[:20],
                },
            )
        count, _ = rows.delete()
    return count


@receiver(user_locked_out)
def audit_lockout(sender, request, username, ip_address, **kwargs):
    for lock in getattr(request, "luoshi_locks", []):
        with transaction.atomic():
            record(
                _subject(username if lock.limit.by_username else None, ip_address),
                LOCKED_OUT,
                actor=SYSTEM,
                reason=f"{lock.limit.label}连续输错密码 {lock.failures} 次",
                after={
                    "limit": lock.limit.name,
                    "username": username or "",
                    "address": ip_address or "",
                    "failures": lock.failures,
                    "until": lock.until.isoformat(),
                },
            )


def _when(lock: Lock) -> str:
    local = timezone.localtime(lock.until)
    seconds = lock.seconds_left
    if seconds < 3600:
        wait = f"约 {math.ceil(seconds / 60)} 分钟后"
    else:
        wait = f"约 {math.ceil(seconds / 3600)} 小时后"
    today = timezone.localtime(clock.now()).date()
    day = "" if local.date() == today else f"{local.month}月{local.day}日 "
    return f"{day}{local:%H:%M}({wait})"


def lockout_message(found: list[Lock]) -> str:
    lock = max(found, key=lambda item: item.until)
    window = lock.limit.window
    span = f"{int(window.total_seconds() // 3600)} 小时" if window >= timedelta(hours=1) else None
    span = span or f"{int(window.total_seconds() // 60)} 分钟"
    if lock.limit.name == "account":
        return (
            f"该账号在 {span}内已连续输错密码 {lock.failures} 次,为防止密码被猜测,账号已锁定。"
            f"请联系系统管理员解锁,或于 {_when(lock)}再试。"
        )
    if lock.limit.name == "network":
        return (
            f"您所在的网络 {span}内登录失败已达 {lock.failures} 次,已暂停从该网络登录。"
            f"请于 {_when(lock)}再试,或联系系统管理员。"
        )
    return (
        f"密码连续输错 {lock.failures} 次,该账号已在本网络暂时锁定。"
        f"请于 {_when(lock)}再试;忘记密码请联系系统管理员重置。"
    )


def lockout_response(request, original_response=None, credentials=None):
    """``AXES_LOCKOUT_CALLABLE``: the login page with the reason and when to retry (HTTP 429)."""
    found = getattr(request, "luoshi_locks", None)
    if found is None or not found:
        found = locks(get_client_username(request, credentials), request.axes_ip_address)
    username = get_client_username(request, credentials) or ""
    form = AuthenticationForm(request, initial={"username": username})
    if found:
        message = lockout_message(found)
        retry_after = max(lock.seconds_left for lock in found)
    else:  # unlocked meanwhile
        message, retry_after = "登录失败次数过多,请稍后再试。", 60
    response = render(
        request,
        "registration/login.html",
        {"form": form, "lockout": message, "next": request.POST.get("next", "")},
        status=429,
    )
    response["Retry-After"] = str(retry_after)
    return response
