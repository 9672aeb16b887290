"""办理进度通知: the reporter of a case is told each public milestone, once, through the channels
that reach them (``core.outbound``: inbox, SMS, e-mail, WeChat, the demo's file outbox).

- The hook is ``cases.workflow.add_event``: every case event passes through ``on_event``, which
  turns the public ones (``EVENT_MILESTONES``) into a ``ReporterMessage``. A message is unique per
  (case, milestone, round), so a service that runs twice, or a replay, tells nobody twice.
- Who is reached: a reporter with an account (``reporter_user``) in the inbox, plus e-mail /
  WeChat when the account has them; the phone number left on the report (encrypted on the case)
  by SMS. An anonymous report (匿名) keeps no phone number, so only an account hears of it; the
  reporter's contact is never shown on any public page.
- ``Case.notify_reporter`` is the opt-out (the report form's "接收办理进度通知", or the unsubscribe
  link in every message: ``unsubscribe_token``). Opted out: nothing new is sent, and pending
  deliveries are cancelled.
- Delivery after commit, in the worker, per channel: ``ReporterDelivery`` is the outbox (status,
  attempts, the last error). A new message does not queue a job of its own: after commit it
  ``wake``s the sender, which queues at most one ``deliver_due`` job per ``WAKE_HOLD`` seconds
  (per process, or per cluster with the shared Redis cache), deferred by that long so it sends
  every message committed while it was held; ``deliver_due`` also runs every ``SWEEP`` (5 min),
  which sends what a lost wake-up left and retries failed deliveries with backoff (1, 2, 4 …
  minutes, ``MAX_ATTEMPTS``). At intake that saved a job row and its commit per report (issue 22). The
  operator's "重新发送" still queues ``deliver_messages`` for the chosen messages. Failures show
  in 后台 → 通知发送 and as the ``resident_messages`` warning of ``/healthz``.
- Messages carry no internal text: the case number, the 查询码 link, what happened, what next.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import logging
import operator
from collections.abc import Iterable, Iterator
from contextvars import ContextVar
from urllib.parse import urlencode

from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django_tasks import task

from audit import events
from audit.services import record as audit_record
from core import clock, outbound
from core.batchinsert import Link, insert_together
from core.health import warning_check
from core.jobs import retry
from core.periodic import periodic
from core.privacy import mask_personal_text

from .models import (
    Case,
    CaseStatus,
    DeliveryStatus,
    Milestone,
    ReporterDelivery,
    ReporterMessage,
    format_token,
)

log = logging.getLogger(__name__)

NOTIFY_OFF = events.register("case.reporter_notify_off", "反映人退订办理进度通知")
NOTIFY_ON = events.register("case.reporter_notify_on", "反映人恢复办理进度通知")

# Which case events the reporter hears of (audit code → milestone).
EVENT_MILESTONES = {
    "case.reported": Milestone.RECEIVED,
    "case.registered": Milestone.REGISTERED,
    "case.rejected": Milestone.REFUSED,
    "case.verified_false": Milestone.REFUSED,
    "case.dispatched": Milestone.DISPATCHED,
    "case.fed_back": Milestone.ANSWERED,
    "case.rework": Milestone.REWORKED,
    "case.closed": Milestone.CLOSED,
}
# A closed case not rated after this long is asked once more to rate it (邀请评价).
RATE_REMINDER_AFTER = dt.timedelta(days=2)
RATE_REMINDER_WITHIN = dt.timedelta(days=30)
# A claim this old without an outcome was cut off (a dead worker): the delivery is tried again.
CLAIM_STALE = dt.timedelta(minutes=10)
# Waking the sender: at most one queued ``deliver_due`` per this many seconds (per cache), run
# this long (+ a margin for clocks) after it was queued, so it finds every message committed while
# the wake-up was held. A resident hears of their report a few seconds after it, not at once.
WAKE_HOLD = 3
WAKE_MARGIN = dt.timedelta(seconds=1)
WAKE_KEY = "cases:resident:wake"
# A failed delivery is tried again after 1, 2, 4 … minutes, MAX_ATTEMPTS times in all; then it
# waits for the operator's "重新发送" (后台 → 通知发送).
RETRY_BACKOFF = dt.timedelta(minutes=1)
MAX_ATTEMPTS = 7
# The sweep (``deliver_due`` on its own): the safety net for lost wake-ups and the retries. Every
# five minutes, not every minute: each run is a job row, and the database backend keeps them.
SWEEP = dt.timedelta(minutes=5)

_paused: ContextVar[bool] = ContextVar("resident_messages_paused", default=False)


@contextlib.contextmanager
def paused() -> Iterator[None]:
    """No messages inside (bulk builders: the demo tells its own reporters through ``replay``)."""
    token = _paused.set(True)
    try:
        yield
    finally:
        _paused.reset(token)


# ---------------------------------------------------------------------------------------------
# Links and texts


def tracking_path(case: Case) -> str:
    return f"{reverse('portal:case', args=[case.number])}?{urlencode({'t': case.access_token})}"


def absolute(path: str) -> str:
    return f"{settings.LUOSHI_PUBLIC_URL}{path}"


UNSUBSCRIBE_SALT = "luoshi.cases.resident.unsubscribe"


def unsubscribe_token(case: Case) -> str:
    return signing.dumps(case.number, salt=UNSUBSCRIBE_SALT, compress=True)


def case_for_unsubscribe(token: str) -> Case | None:
    try:
        number = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    except signing.BadSignature:
        return None
    return Case.objects.filter(number=number).first()


def unsubscribe_path(case: Case) -> str:
    return reverse("portal:unsubscribe", args=[unsubscribe_token(case)])


def _day(value: dt.datetime | None) -> str:
    return f"{timezone.localtime(value):%m月%d日}" if value else ""


def round_for(case: Case, milestone: str) -> int:
    if milestone in (Milestone.ANSWERED, Milestone.REWORKED):
        return case.rework_count
    if milestone in (Milestone.CLOSED, Milestone.RATE):
        return case.rehandle_count
    return 0


def compose(case: Case, milestone: str) -> tuple[str, str, str]:
    """(step, what next, short step for SMS templates) of ``milestone`` for this case."""
    unit = case.lead_unit.name if case.lead_unit_id and case.lead_unit else "责任单位"
    due = _day(case.due_at)
    handle_due = _day(case.handle_due_at)
    if milestone == Milestone.RECEIVED:
        return "已收到", f"将于{due}前受理" if due else "将尽快受理", "已受理"
    if milestone == Milestone.REGISTERED:
        return "已立案", "将尽快交由责任单位办理", "已立案"
    if milestone == Milestone.REFUSED:
        reason = mask_personal_text(case.rejected_reason) or "不属于受理范围"
        return f"不予立案,理由:{reason}", "如有疑问请拨打 12345 热线", "不予立案"
    if milestone == Milestone.DISPATCHED:
        return f"已交由{unit}办理", f"预计{handle_due}前答复" if handle_due else "请耐心等待答复", "已派遣"
    if milestone == Milestone.ANSWERED:
        return f"{unit}已答复办理结果", f"正在核查办理效果,预计{due}前完成" if due else "正在核查", "已答复"
    if milestone == Milestone.REWORKED:
        return (
            "经核查未办理到位,已退回重新办理",
            f"预计{handle_due}前再次答复" if handle_due else "请耐心等待",
            "退回重办",
        )
    if milestone == Milestone.CLOSED:
        return "已办结", "欢迎查看办理结果并评价", "已办结"
    return "已办结,您还未评价", "请查看办理结果并评价", "待评价"


def outbound_for(message: ReporterMessage) -> outbound.Outbound:
    case = message.case
    path = tracking_path(case)
    return outbound.Outbound(
        key=f"{case.number}-{message.milestone}-{message.round}",
        kind=message.milestone,
        title=message.title,
        text=message.text,
        path=path,
        url=absolute(path),
        params=dict(message.params),
        at=message.created_at,
    )


def recipient(case: Case) -> outbound.Recipient:
    user = case.reporter_user
    return outbound.Recipient(
        user=user,
        phone=case.reporter_phone_clear(),
        email=(user.email or "") if user is not None else "",
        wechat_openid=(getattr(user, "wechat_openid", "") or "") if user is not None else "",
    )


# ---------------------------------------------------------------------------------------------
# Recording a milestone


def on_event(case: Case, code: str, *, new_case: bool = False) -> ReporterMessage | None:
    """The ``add_event`` hook: a public milestone becomes a message (inside the service's
    transaction; sent after commit). ``new_case``: the case was created in this transaction."""
    milestone = EVENT_MILESTONES.get(code)
    if milestone is None or _paused.get():
        return None
    return tell(case, milestone, new_case=new_case)


def tell(
    case: Case,
    milestone: str,
    *,
    round: int | None = None,
    when: dt.datetime | None = None,
    send: bool = True,
    new_case: bool = False,
) -> ReporterMessage | None:
    """Record ``milestone`` for the reporter once and queue its deliveries; None when the reporter
    opted out, cannot be reached, or was told already. ``new_case``: the case was created in
    this transaction, so it has no message yet (no savepoint for the "told already" check)."""
    if not case.notify_reporter or case.channel == "patrol":
        return None
    to = recipient(case)
    if not to.reachable:
        return None
    round = round_for(case, milestone) if round is None else round
    step, after, short = compose(case, milestone)
    title = f"您反映的问题{step}"[:200]
    text = (
        f"【落实】您反映的问题(编号{case.number}){step}。{after}。"
        f"查看进度:{absolute(tracking_path(case))} 查询码 {format_token(case.access_token)}。"
        f"不再接收通知:{absolute(unsubscribe_path(case))}"
    )
    params = {"number": case.number, "step": short, "code": format_token(case.access_token)}
    draft = outbound.Outbound(key="", kind=milestone, title=title, text=text, params=params)
    channels = [c.name for c in outbound.configured_channels() if c.applies(to, draft)]
    if not channels:
        return None
    message = ReporterMessage(
        case=case,
        milestone=milestone,
        round=round,
        title=title,
        text=text,
        params=params,
        created_at=when or clock.now(),
    )
    deliveries = [ReporterDelivery(channel=name) for name in channels]
    links = [Link(delivery, "message", message) for delivery in deliveries]
    if new_case:  # the message and its deliveries in one statement (PostgreSQL)
        insert_together([message, *deliveries], links)
    else:
        try:
            with transaction.atomic():
                insert_together([message, *deliveries], links)
        except IntegrityError:
            return None  # told already
    if send:
        transaction.on_commit(wake, robust=True)  # a queue that is down: the sweep sends it
    return message


def wake() -> None:
    """Make sure a ``deliver_due`` job will run soon (call after commit). Coalesced: while a
    wake-up is held (``WAKE_HOLD`` s, a cache key), no further job is queued; the one queued runs
    after the hold ends, so it sees every message committed meanwhile. A backend that cannot
    defer (the tests' immediate one) runs a job per wake-up."""
    if not deliver_due.get_backend().supports_defer:
        deliver_due.enqueue()
    elif cache.add(WAKE_KEY, 1, timeout=WAKE_HOLD):
        run_after = timezone.now() + dt.timedelta(seconds=WAKE_HOLD) + WAKE_MARGIN
        deliver_due.using(run_after=run_after).enqueue()


def replay(case: Case, *, send_now: bool = True) -> list[ReporterMessage]:
    """Tell the reporter the milestones of a case built while messages were ``paused`` (the demo),
    each dated when it happened; then send them at once (no worker needed)."""
    from audit.models import AuditEvent

    made = []
    counts: dict[str, int] = {}
    for event in AuditEvent.objects.for_subject(case).order_by("seq"):
        milestone = EVENT_MILESTONES.get(event.action)
        if milestone is None:
            continue
        seen = counts.get(milestone, 0)
        counts[milestone] = seen + 1
        round = seen + 1 if milestone == Milestone.REWORKED else seen
        message = tell(case, milestone, round=round, when=event.created_at, send=False)
        if message is not None:
            made.append(message)
    if send_now and made:
        send([m.pk for m in made])
    return made


# ---------------------------------------------------------------------------------------------
# Opt-out (退订)


@transaction.atomic
def set_notify(case: Case, *, on: bool, how: str = "退订链接") -> Case:
    """The reporter turns the messages of their case off (or on again); recorded on the case's
    audit chain. Pending deliveries of an opted-out case are cancelled."""
    case = Case.objects.select_for_update(of=("self",)).select_related("org").get(pk=case.pk)
    if case.notify_reporter == on:
        return case
    case.notify_reporter = on
    case.save(update_fields=["notify_reporter"])
    if not on:
        ReporterDelivery.objects.filter(
            message__case=case, status__in=(DeliveryStatus.PENDING, DeliveryStatus.FAILED)
        ).update(status=DeliveryStatus.CANCELLED, last_error="反映人已退订")
    from core.actors import SYSTEM

    audit_record(case, NOTIFY_ON if on else NOTIFY_OFF, actor=SYSTEM, reason=how)
    return case


# ---------------------------------------------------------------------------------------------
# Delivery


class DeliveryFailed(Exception):
    """Some delivery failed; the job is retried for those only."""


def _due(message_ids: Iterable[int] | None):
    """The deliveries to send: of ``message_ids`` (a job for those messages, retried by the job
    machinery: failed ones at once), or all (the sweep: failed ones after their backoff)."""
    now = clock.now()
    stale = now - CLAIM_STALE
    if message_ids is not None:
        failed = Q(status=DeliveryStatus.FAILED)
    else:
        failed = Q(status=DeliveryStatus.FAILED) & _backoff_over(now)
    rows = ReporterDelivery.objects.filter(
        Q(status=DeliveryStatus.PENDING) | failed | Q(status=DeliveryStatus.SENDING, claimed_at__lt=stale)
    )
    if message_ids is not None:
        rows = rows.filter(message_id__in=list(message_ids))
    return rows.select_related("message__case__reporter_user", "message__case__lead_unit").order_by("pk")


def send(message_ids: Iterable[int] | None = None, *, channels: dict | None = None) -> tuple[int, int]:
    """Send the due deliveries (of ``message_ids``, or all); return (sent, failed). Each delivery
    is claimed with a conditional update first, so two workers never send the same one."""
    sent = failed = 0
    known = {c.name: c for c in outbound.configured_channels()}
    known.update(channels or {})
    for delivery in _due(message_ids):
        now = clock.now()
        claimed = ReporterDelivery.objects.filter(
            pk=delivery.pk, status=delivery.status, claimed_at=delivery.claimed_at
        ).update(status=DeliveryStatus.SENDING, claimed_at=now, attempts=F("attempts") + 1)
        if not claimed:
            continue
        message = delivery.message
        case = message.case
        if not case.notify_reporter:
            _finish(delivery, DeliveryStatus.CANCELLED, error="反映人已退订")
            continue
        channel = known.get(delivery.channel) or outbound.CHANNELS.get(delivery.channel, outbound.Channel)()
        try:
            receipt = channel.send(recipient(case), outbound_for(message))
        except Exception as error:  # one failing channel must not stop the others
            log.warning("resident message %s via %s failed: %s", message.pk, delivery.channel, error)
            _finish(delivery, DeliveryStatus.FAILED, error=str(error) or type(error).__name__)
            failed += 1
            continue
        _finish(delivery, DeliveryStatus.SENT, receipt=receipt)
        sent += 1
    return sent, failed


def _finish(delivery: ReporterDelivery, status: str, *, error: str = "", receipt: str = "") -> None:
    fields: dict = {"status": status, "last_error": error[:500]}
    if status == DeliveryStatus.SENT:
        fields.update(sent_at=clock.now(), provider_id=(receipt or "")[:100], last_error="")
    ReporterDelivery.objects.filter(pk=delivery.pk).update(**fields)


@retry(retries=6, backoff=60)
@task()
def deliver_messages(message_ids: list[int]) -> int:
    """Send these messages' deliveries; a failure fails the job, which is retried with backoff
    (1, 2, 4 … minutes) for what is still unsent."""
    sent, failed = send(message_ids)
    if failed:
        raise DeliveryFailed(f"{failed} 条办理进度通知发送失败,稍后重试")
    return sent


def _backoff_over(now: dt.datetime) -> Q:
    """Failed deliveries whose wait is over: after attempt n, ``RETRY_BACKOFF`` × 2ⁿ⁻¹."""
    return functools.reduce(
        operator.or_,
        (
            Q(attempts=attempts, claimed_at__lt=now - RETRY_BACKOFF * 2 ** (attempts - 1))
            for attempts in range(1, MAX_ATTEMPTS)
        ),
    )


@periodic(every=SWEEP)
@task()
def deliver_due() -> int:
    """Send every due delivery (the wake-ups' job, and every ``SWEEP``: what a lost wake-up left,
    failed deliveries whose backoff is over). Failures stay on their deliveries, not on the job."""
    sent, _ = send()
    return sent


def retry_failed(delivery_ids: Iterable[int] | None = None) -> int:
    """An operator's "重新发送": failed deliveries become pending and are queued again."""
    rows = ReporterDelivery.objects.filter(status=DeliveryStatus.FAILED)
    if delivery_ids is not None:
        rows = rows.filter(pk__in=list(delivery_ids))
    message_ids = sorted(set(rows.values_list("message_id", flat=True)))
    count = rows.update(status=DeliveryStatus.PENDING)
    if message_ids:
        transaction.on_commit(lambda: deliver_messages.enqueue(message_ids))
    return count


@periodic(every=dt.timedelta(hours=1))
@task()
def remind_to_rate() -> int:
    """邀请评价: a closed case still unrated two days later asks its reporter once to rate it."""
    now = clock.now()
    cases = (
        Case.objects.filter(
            status=CaseStatus.CLOSED,
            rated_at__isnull=True,
            notify_reporter=True,
            closed_at__lte=now - RATE_REMINDER_AFTER,
            closed_at__gte=now - RATE_REMINDER_WITHIN,
        )
        .exclude(channel="patrol")
        .exclude(reporter_messages__milestone=Milestone.RATE)
        .select_related("reporter_user", "lead_unit")
    )
    told = 0
    for case in cases.iterator(chunk_size=200):
        with transaction.atomic():
            told += tell(case, Milestone.RATE) is not None
    return told


# ---------------------------------------------------------------------------------------------
# Health


@warning_check("resident_messages")
def failing_deliveries(now) -> dict:
    """A warning while messages to residents are failing (the last 24 hours)."""
    since = now - dt.timedelta(hours=24)
    failed = ReporterDelivery.objects.filter(
        status=DeliveryStatus.FAILED, message__created_at__gte=since
    ).count()
    return {"ok": failed == 0, "failed": failed}
