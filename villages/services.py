"""四议两公开 services: one function per action, in one transaction — lock the decision, check
scope, the order of the six steps and the quorum/majority of each body → write the step → one
audit event.

    propose_decision (step 1: 党组织提议) ─► record_step (两委商议 → 党员大会审议 → 村民(代表)会议
    决议 → 决议公开 → 实施结果公开), strictly in this order

Quorum and majority rules are rule data (``village.*`` in ``party.RuleParameter``, see
``villages.defaults``); a vote without quorum is refused, a vote that fails is recorded and the
matter stays at that step. Late disclosures and short disclosure periods are recorded as deviations.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import asdict, dataclass
from fractions import Fraction

from django.db import transaction

from audit import events
from audit.services import record
from core import clock, kit
from core.actors import SYSTEM, is_system, user_or_none
from core.errors import PermissionDenied, ServiceError, StateConflict
from core.kit import clean_text
from orgs.models import Org, Position
from party import selectors as party_selectors
from party.rules import Rules

from .models import (
    MEETING_STEPS,
    ORDER,
    Decision,
    DecisionPhoto,
    DecisionStatus,
    DecisionStep,
    MatterKind,
    PhotoStage,
    Representative,
    StepKind,
    VillagersBody,
)
from .workflow import DECISIONS, may_act, next_step  # may_act: public here too

E = events.register
DECISION_PROPOSED = E("villages.decision_proposed", "村党组织提议重大事项")
STEP_RECORDED = E("villages.step_recorded", "登记四议两公开步骤")
STEP_CORRECTED = E("villages.step_corrected", "更正四议两公开步骤")
PHOTOS_ADDED = E("villages.photos_added", "上传四议两公开照片")
PHOTO_WITHDRAWN = E("villages.photo_withdrawn", "撤下四议两公开照片")
TASK_LINKED = E("villages.task_linked", "四议两公开事项关联实施任务")
MAX_PHOTOS_PER_ITEM = 30
# Personal data must not reach the public page: mobile numbers and ID card numbers are refused.
PERSONAL = re.compile(r"(?<!\d)(1[3-9]\d{9}|\d{17}[\dXx])(?!\d)")

FOUR_TWO = "四议两公开(《中国共产党农村基层组织工作条例》(2019))"
MAX_TEXT = 5000


def require(actor, village: Org) -> None:
    if not may_act(actor, village):
        raise PermissionDenied(DECISIONS.transitions[0].denied)


def _public(value: str, field: str, label: str) -> str:
    """Text shown on the public page: no phone or ID numbers (个人信息不公开)."""
    if PERSONAL.search(value or ""):
        raise ServiceError(f"{label}将在村务公开页公开,不能包含手机号码或身份证号码", field=field)
    return value


def _share(rules: Rules, code: str, org) -> Fraction:
    return Fraction(str(rules.get(code, org)))


@dataclass
class Check:
    rule: str
    result: str
    message: str
    source: str


class _Judge:
    def __init__(self, rules: Rules, org):
        self.rules, self.org = rules, org
        self.checks: list[Check] = []

    def source(self, code):
        row = self.rules.param(code, self.org)
        return row.source + ("" if row.confirmed else "(地方做法,待按本地规定确认)")

    def ok(self, code, message, source=None):
        self.checks.append(Check(code, "passed", message, source or self.source(code)))

    def flag(self, code, message, source=None):
        self.checks.append(Check(code, "deviation", message, source or self.source(code)))

    def refuse(self, code, message, field, source=None):
        raise ServiceError(f"{message}。依据:{source or self.source(code)}", field=field)

    @property
    def deviation(self):
        return any(c.result == "deviation" for c in self.checks)


# The village committee's posts (村民委员会主任、副主任、委员): with the party committee, the 两委.
VILLAGE_COMMITTEE_POSTS = ("director", "deputy_director", "committee_member")


def roster(village: Org, kind: str, villagers_body: str, day: dt.date) -> list[str] | None:
    """The names on the roster that gives the 应到 of a meeting step, on ``day``:

    * 两委会议 (consultation): the village party organization's committee and the village
      committee (``orgs.Position`` at the village), each person once (交叉任职 counted once);
    * 党员大会 (members' review): the village party organization's members (``party.selectors``);
    * 村民代表会议: the village's representatives (``Representative``);
    * 村民会议: None — the villagers aged 18 or more have no roster here; 应到 is entered.

    An empty list means the roster has not been entered: 应到 is then taken as entered."""
    if kind == StepKind.CONSULTATION:
        rosters = party_selectors.host_rosters(village, day)
        people = {p.pk: p.name for p in rosters["committee"]}
        for post in (
            Position.objects.current(day)
            .filter(org=village, kind__in=VILLAGE_COMMITTEE_POSTS)
            .select_related("person")
        ):
            people.setdefault(post.person_id, post.person.name)
        return list(people.values())
    if kind == StepKind.MEMBERS_REVIEW:
        return [p.name for p in party_selectors.host_rosters(village, day)["members"]]
    if kind == StepKind.VILLAGERS_RESOLUTION and villagers_body == VillagersBody.REPRESENTATIVES:
        return list(Representative.objects.filter(org=village).current(day).values_list("name", flat=True))
    return None


def _expected_from_roster(votes: dict, names: list[str] | None, note: str, judge: _Judge) -> tuple[dict, str]:
    """应到 from the roster: filled in when left empty; a different number needs 应到说明 (the
    roster is incomplete); no roster entered: as entered, noted. Returns the votes and the note."""
    if not names:
        if names is not None:
            judge.ok("village.roster", "名册未录入,应到人数按填报", FOUR_TWO)
        return votes, note
    size = len(names)
    typed = votes.get("expected")
    if typed in (None, ""):
        return {**votes, "expected": size}, ""
    if _int(typed, "expected", "应到人数") == size:
        return votes, ""
    if not note:
        raise ServiceError(
            f"应到人数应按名册为 {size} 人(填报 {typed} 人);名册不全需调整时,请填写应到说明",
            field="expected",
        )
    judge.ok("village.roster", f"应到 {typed} 人与名册 {size} 人不一致,已说明:{note}", FOUR_TWO)
    return votes, note


def _int(value, field, label) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError) as error:
        raise ServiceError(f"请填写{label}(整数)", field=field) from error
    if number < 0:
        raise ServiceError(f"{label}不能为负数", field=field)
    return number


def _votes(data: dict, judge: _Judge, kind: str, villagers_body: str) -> dict:
    """Attendance and votes of a deliberating meeting, checked against the body's rules."""
    expected = _int(data.get("expected"), "expected", "应到人数")
    present = _int(data.get("present"), "present", "实到人数")
    yes = _int(data.get("yes"), "yes", "赞成票")
    no = _int(data.get("no") or 0, "no", "反对票")
    abstain = _int(data.get("abstain") or 0, "abstain", "弃权票")
    if expected == 0:
        raise ServiceError("应到人数须大于0", field="expected")
    if present > expected:
        raise ServiceError(f"实到人数({present})不能多于应到人数({expected})", field="present")
    if yes + no + abstain > present:
        raise ServiceError(f"赞成、反对、弃权合计 {yes + no + abstain} 票,超过实到 {present} 人", field="yes")
    result = {"expected": expected, "present": present, "yes": yes, "no": no, "abstain": abstain}
    rules, org = judge.rules, judge.org
    if kind == StepKind.CONSULTATION:
        need = _share(rules, "village.consult_pass", org)
        if Fraction(present) <= Fraction(expected) / 2:
            judge.refuse(
                "village.consult_pass",
                f"实到:两委会议到会 {present} 人,未超过应到 {expected} 人的半数,不能商议",
                "present",
            )
        passed = Fraction(yes) > need * expected
        code, base = "village.consult_pass", f"应到 {expected} 人"
    elif kind == StepKind.MEMBERS_REVIEW:
        quorum = _share(rules, "village.members_quorum", org)
        if Fraction(present) < quorum * expected:
            judge.refuse(
                "village.members_quorum",
                f"实到:党员大会到会 {present} 人,不足应到党员 {expected} 人的{quorum}",
                "present",
            )
        judge.ok("village.members_quorum", f"到会 {present}/{expected} 人,达到{quorum}")
        passed = Fraction(yes) > _share(rules, "village.members_pass", org) * expected
        code, base = "village.members_pass", f"应到党员 {expected} 人"
    else:
        if villagers_body == VillagersBody.REPRESENTATIVES:
            quorum = _share(rules, "village.rep_quorum", org)
            if Fraction(present) < quorum * expected:
                judge.refuse(
                    "village.rep_quorum",
                    f"实到:村民代表会议到会 {present} 人,不足组成人员 {expected} 人的{quorum}",
                    "present",
                )
            judge.ok("village.rep_quorum", f"到会 {present}/{expected} 人,达到{quorum}")
            passed = Fraction(yes) > _share(rules, "village.rep_pass", org) * present
            code, base = "village.rep_pass", f"到会 {present} 人"
        elif villagers_body == VillagersBody.ASSEMBLY:
            households = data.get("households")
            hh_present = data.get("households_present")
            by_people = Fraction(present) > _share(rules, "village.assembly_quorum", org) * expected
            by_households = False
            if households not in (None, "") and hh_present not in (None, ""):
                households = _int(households, "households", "户数")
                hh_present = _int(hh_present, "households_present", "到会户代表")
                result.update(households=households, households_present=hh_present)
                by_households = (
                    households > 0
                    and Fraction(hh_present)
                    >= _share(rules, "village.assembly_household_quorum", org) * households
                )
            if not (by_people or by_households):
                judge.refuse(
                    "village.assembly_quorum",
                    f"实到:村民会议到会 {present} 人,未超过本村18周岁以上村民 {expected} 人的半数,"
                    "户代表也未达到三分之二",
                    "present",
                )
            judge.ok(
                "village.assembly_quorum",
                f"到会 {present}/{expected} 人" + ("(按户代表计)" if not by_people else ""),
            )
            passed = Fraction(yes) > _share(rules, "village.assembly_pass", org) * present
            code, base = "village.assembly_pass", f"到会 {present} 人"
        else:
            raise ServiceError("请选择村民代表会议或村民会议", field="villagers_body")
    if passed:
        judge.ok(code, f"赞成 {yes} 票,超过{base}的半数")
    else:
        judge.flag(code, f"赞成 {yes} 票,未超过{base}的半数,未通过")
    result["passed"] = passed
    return result


@transaction.atomic
def propose_decision(
    *,
    actor,
    village: Org,
    title: str,
    matter: str,
    summary: str,
    held_on: dt.date,
    body: str = "",
    minutes: str = "",
    is_demo: bool = False,
) -> Decision:
    """Step 1 党组织提议: the village party organization proposes a draft plan for a major matter."""
    if village.kind != "village" or village.archived_at is not None:
        raise ServiceError("四议两公开事项须属于一个村", field="village")
    require(actor, village)
    if matter not in MatterKind.values:
        raise ServiceError("请选择事项类别", field="matter")
    if not isinstance(held_on, dt.date):
        raise ServiceError("请填写提议日期", field="held_on")
    if held_on > kit.today():
        raise ServiceError("提议日期不能晚于今天", field="held_on")
    now = clock.now()
    decision = Decision.objects.create(
        org=village,
        title=clean_text(title, "title", "事项名称", required=True, limit=150),
        matter=matter,
        summary=_public(
            clean_text(summary, "summary", "事项内容", required=True, limit=MAX_TEXT), "summary", "事项内容"
        ),
        started_on=held_on,
        done_steps=1,
        is_demo=is_demo,
        created_by=user_or_none(actor),
        created_at=now,
        updated_at=now,
    )
    party = village.party_orgs.filter(archived_at__isnull=True).order_by("depth").first()
    DecisionStep.objects.create(
        decision=decision,
        org=village,
        kind=StepKind.PROPOSAL,
        held_on=held_on,
        body=clean_text(body, "body", "提议主体", limit=100) or (party.name if party else "村党组织"),
        minutes=clean_text(minutes, "minutes", "提议内容", limit=MAX_TEXT),
        checks=[asdict(Check("order", "passed", "第一步:村党组织提议", FOUR_TWO))],
        recorded_by=decision.created_by,
        created_at=now,
    )
    _schedule(decision)
    decision.save()
    record(decision, DECISION_PROPOSED, actor=actor, after={"title": decision.title, "held_on": str(held_on)})
    return decision


@transaction.atomic
def record_step(
    *,
    actor,
    decision: Decision,
    kind: str,
    held_on: dt.date,
    body: str = "",
    minutes: str = "",
    villagers_body: str = "",
    votes: dict | None = None,
    decided: str = "",
    expected_note: str = "",
    channel: str = "",
    disclose_to: dt.date | None = None,
    result: str = "",
    expected_steps: int | None = None,
    correcting: DecisionStep | None = None,
    reason: str = "",
) -> DecisionStep:
    """Record the next step of ``decision``; any other step is refused (order enforced).
    ``correcting``: the step this row replaces (see ``correct_step``), audited as a correction.
    A meeting's 应到 comes from its roster (``roster``; a different number needs
    ``expected_note``); ``decided`` (决定事项) only with a passed vote — refused on a failed one
    (cleared, and said so, when a correction makes the vote fail)."""
    decision = Decision.objects.select_for_update(of=("self",)).select_related("org").get(pk=decision.pk)
    require(actor, decision.org)
    if expected_steps is not None and expected_steps != decision.done_steps:
        raise ServiceError("该事项进度已变化,请刷新页面后重试", field="kind")
    _check_order(decision, kind)
    _check_date(decision, held_on)
    village = decision.org
    rules = Rules.load(held_on)
    judge = _Judge(rules, village)
    judge.ok("order", f"按顺序办理:{StepKind(kind).label}", FOUR_TWO)
    fields: dict = {}
    passed = True
    minutes = clean_text(minutes, "minutes", "会议记录/公开内容", limit=MAX_TEXT)
    if kind in MEETING_STEPS:
        if kind == StepKind.VILLAGERS_RESOLUTION and villagers_body not in VillagersBody.values:
            raise ServiceError("请选择村民代表会议或村民会议", field="villagers_body")
        expected_note = clean_text(expected_note, "expected_note", "应到说明", limit=200)
        votes, expected_note = _expected_from_roster(
            dict(votes or {}), roster(village, kind, villagers_body, held_on), expected_note, judge
        )
        counted = _votes(votes, judge, kind, villagers_body)
        passed = counted.pop("passed")
        fields.update(counted, expected_note=expected_note)
        decided = clean_text(decided, "decided", "决定事项", limit=MAX_TEXT)
        if decided and not passed:
            if correcting is None:
                raise ServiceError("表决未通过,不形成决定事项;请清空决定事项后再登记", field="decided")
            judge.ok("village.decided", "更正后表决未通过,原决定事项已清除", FOUR_TWO)
            decided = ""
        fields["decided"] = decided
        if not minutes:
            raise ServiceError("请填写会议记录(议题、讨论情况和表决结果)", field="minutes")
        default_body = {
            StepKind.CONSULTATION: "村党组织和村民委员会联席会议",
            StepKind.MEMBERS_REVIEW: "村党员大会",
            StepKind.VILLAGERS_RESOLUTION: VillagersBody(villagers_body).label if villagers_body else "",
        }[kind]  # type: ignore[index]
        if kind == StepKind.VILLAGERS_RESOLUTION:
            fields["villagers_body"] = villagers_body
    else:
        channel = clean_text(channel, "channel", "公开方式", required=True, limit=100)
        if not isinstance(disclose_to, dt.date) or disclose_to < held_on:
            raise ServiceError("请填写公开结束日期(不早于公开开始日期)", field="disclose_to")
        days = (disclose_to - held_on).days + 1
        code = "village.resolution_days" if kind == StepKind.RESOLUTION_DISCLOSURE else "village.result_days"
        need = rules.get(code, village)
        if days >= need:
            judge.ok(code, f"公开 {held_on} 至 {disclose_to},共 {days} 天")
        else:
            judge.flag(code, f"公开 {held_on} 至 {disclose_to} 只有 {days} 天,少于 {need} 天")
        if kind == StepKind.RESOLUTION_DISCLOSURE:
            resolved = (
                decision.steps.filter(
                    kind=StepKind.VILLAGERS_RESOLUTION, passed=True, superseded_at__isnull=True
                )
                .order_by("-pk")
                .first()
            )
            within = rules.get("village.disclose_within", village)
            if (held_on - resolved.held_on).days <= within:  # type: ignore[union-attr]
                judge.ok("village.disclose_within", f"决议后 {(held_on - resolved.held_on).days} 天内公开")  # type: ignore[union-attr]
            else:
                judge.flag(
                    "village.disclose_within",
                    f"决议 {resolved.held_on} 作出后 {(held_on - resolved.held_on).days} 天才公开,"  # type: ignore[union-attr]
                    f"超过 {within} 天",
                )
            total = rules.get("village.total_days", village)
            if decision.started_on and (held_on - decision.started_on).days > total:
                judge.flag(
                    "village.total_days",
                    f"自提议({decision.started_on})至决议公开用时 {(held_on - decision.started_on).days} 天,"
                    f"超过一般时限 {total} 天",
                )
        else:
            result = _public(
                clean_text(result, "result", "实施结果", required=True, limit=MAX_TEXT), "result", "实施结果"
            )
            decision.result = result
        fields.update(channel=channel, disclose_from=held_on, disclose_to=disclose_to)
        default_body = body or "村务公开栏"
    now = clock.now()
    step = DecisionStep.objects.create(
        decision=decision,
        org=village,
        kind=kind,
        held_on=held_on,
        body=clean_text(body, "body", "会议/主体", limit=100) or default_body,
        minutes=minutes,
        passed=passed,
        checks=[asdict(c) for c in judge.checks],
        has_deviation=judge.deviation,
        recorded_by=user_or_none(actor),
        created_at=now,
        **fields,
    )
    if passed:
        decision.done_steps += 1
        decision.status = _status_for(decision.done_steps)
    decision.deviations = decision.steps.filter(has_deviation=True, superseded_at__isnull=True).count()
    decision.updated_at = now
    _schedule(decision)
    decision.save()
    after = {
        "step": StepKind(kind).label,
        "held_on": str(held_on),
        "passed": passed,
        "checks": [f"{'符合' if c.result == 'passed' else '偏差'}:{c.message}" for c in judge.checks],
    }
    if correcting is None:
        record(decision, STEP_RECORDED, actor=actor, after=after)
    else:
        record(
            decision,
            STEP_CORRECTED,
            actor=actor,
            reason=reason,
            before=_step_snapshot(correcting),
            after=after,
        )
    return step


def _check_order(decision: Decision, kind: str) -> None:
    """Only the next step may be recorded (the transition table ``DECISIONS``)."""
    nxt = decision.next_kind
    if nxt is None:
        raise ServiceError("该事项已完成全部步骤", field="kind")
    if kind not in DECISIONS or not DECISIONS.allowed(kind, next_step(decision)):
        label = StepKind(kind).label if kind in StepKind.values else kind
        raise ServiceError(
            f"步骤顺序:须先完成“{StepKind(nxt).label}”,不能直接登记“{label}”。依据:{FOUR_TWO}", field="kind"
        )


def _check_date(decision: Decision, held_on) -> None:
    if not isinstance(held_on, dt.date):
        raise ServiceError("请填写日期", field="held_on")
    if held_on > kit.today():
        raise ServiceError("日期不能晚于今天", field="held_on")
    last = decision.steps.filter(superseded_at__isnull=True, passed=True).order_by("-held_on", "-pk").first()
    if last and held_on < last.held_on:
        raise ServiceError(f"日期不能早于上一步({last.get_kind_display()},{last.held_on})", field="held_on")


def _step_snapshot(step: DecisionStep) -> dict:
    return {
        "step": step.get_kind_display(),
        "held_on": str(step.held_on),
        "body": step.body,
        "votes": [step.expected, step.present, step.yes, step.no, step.abstain],
        "passed": step.passed,
        "disclose": [str(step.disclose_from or ""), str(step.disclose_to or ""), step.channel],
        "minutes": step.minutes[:200],
    }


def _status_for(done_steps: int) -> str:
    """An item's status follows from how many steps are done (决议 at 4, its disclosure at 5 …)."""
    if done_steps >= 6:
        return DecisionStatus.DONE
    if done_steps >= 5:
        return DecisionStatus.DISCLOSED
    if done_steps >= 4:
        return DecisionStatus.RESOLVED
    return DecisionStatus.DELIBERATING


def latest_step(decision: Decision) -> DecisionStep | None:
    """The step recorded last in the procedure's order (a copy made by correcting an earlier step's
    record has a newer id but is not the latest; of one kind, a passed vote comes after failed ones)."""
    steps = list(decision.steps.filter(superseded_at__isnull=True))
    return max(steps, key=lambda s: (ORDER.index(s.kind), s.passed, s.held_on, s.pk), default=None)


CORRECTABLE = (
    "held_on",
    "body",
    "minutes",
    "villagers_body",
    "votes",
    "decided",
    "expected_note",
    "channel",
    "disclose_to",
    "result",
)
VOTE_FIELDS = ("expected", "present", "yes", "no", "abstain", "households", "households_present")


@transaction.atomic
def correct_step(*, actor, step: DecisionStep, reason: str, **changes) -> DecisionStep:
    """更正 a recorded step. Nothing is overwritten: the prior row is kept with ``superseded_at``
    and a new row is written. The latest step (not the proposal) may change everything and is
    checked again by the same rules as when it was recorded — a correction that breaks a hard
    rule (order of dates, quorum, majority) is refused and nothing changes. An earlier step, or
    the proposal, may correct only its meeting/body and record: later steps were decided on it."""
    decision = Decision.objects.select_for_update(of=("self",)).select_related("org").get(pk=step.decision_id)
    require(actor, decision.org)
    step = DecisionStep.objects.get(pk=step.pk)
    if step.superseded_at is not None:
        raise StateConflict("该步骤已被更正,请刷新页面查看最新记录")
    reason = clean_text(reason, "reason", "更正原因", required=True, limit=200)
    unknown = set(changes) - set(CORRECTABLE)
    if unknown:
        raise ServiceError("不能更正这些内容:" + "、".join(sorted(unknown)))
    latest = latest_step(decision)
    now = clock.now()
    if step.pk != latest.pk or step.kind == StepKind.PROPOSAL:  # type: ignore[union-attr]
        fixed = {"body", "minutes"}
        beyond = [name for name in changes if name not in fixed]
        if beyond:
            raise ServiceError(
                "只能更正最近一步的日期、表决和公开信息;更早的步骤和提议只能更正会议/主体和记录"
                "(后续步骤是据此作出的)",
                field=beyond[0] if beyond[0] != "votes" else "yes",
            )
        body = clean_text(changes.get("body", step.body), "body", "会议/主体", limit=100) or step.body
        minutes = clean_text(
            changes.get("minutes", step.minutes), "minutes", "会议记录/公开内容", limit=MAX_TEXT
        )
        if step.kind in MEETING_STEPS and not minutes:
            raise ServiceError("请填写会议记录(议题、讨论情况和表决结果)", field="minutes")
        if (body, minutes) == (step.body, step.minutes):
            raise ServiceError("没有需要更正的内容", field="minutes")
        old_pk = step.pk
        DecisionStep.objects.filter(pk=old_pk).update(superseded_at=now)
        replaced = DecisionStep.objects.get(pk=old_pk)
        step.pk = None
        step._state.adding = True
        step.body, step.minutes = body, minutes
        step.recorded_by = user_or_none(actor)
        step.created_at = now
        step.save()
        decision.updated_at = now
        decision.save(update_fields=["updated_at"])
        record(
            decision,
            STEP_CORRECTED,
            actor=actor,
            reason=reason,
            before=_step_snapshot(replaced),
            after=_step_snapshot(step),
        )
        return step
    values: dict = {
        "held_on": step.held_on,
        "body": step.body,
        "minutes": step.minutes,
        "villagers_body": step.villagers_body,
        "votes": {name: getattr(step, name) for name in VOTE_FIELDS},
        "decided": step.decided,
        "expected_note": step.expected_note,
        "channel": step.channel,
        "disclose_to": step.disclose_to,
        "result": decision.result if step.kind == StepKind.RESULT_DISCLOSURE else "",
    }
    if "votes" in changes:
        values["votes"] = {**values["votes"], **{k: v for k, v in (changes.pop("votes") or {}).items()}}
    values.update(changes)
    DecisionStep.objects.filter(pk=step.pk).update(superseded_at=now)
    if step.passed:
        decision.done_steps -= 1
    decision.status = _status_for(decision.done_steps)
    decision.save(update_fields=["done_steps", "status"])
    return record_step(
        actor=actor, decision=decision, kind=step.kind, correcting=step, reason=reason, **values
    )


def _schedule(decision: Decision) -> None:
    """The due date of the next step: the resolution's disclosure within ``village.disclose_within``
    days; other steps have no national limit (the whole process ~20 days is checked at disclosure)."""
    decision.due_on, decision.due_label = None, ""
    if decision.next_kind == StepKind.RESOLUTION_DISCLOSURE:
        resolved = (
            decision.steps.filter(kind=StepKind.VILLAGERS_RESOLUTION, passed=True).order_by("-pk").first()
        )
        rules = Rules.load(resolved.held_on)  # type: ignore[union-attr]
        within = rules.get("village.disclose_within", decision.org)
        decision.due_on = resolved.held_on + dt.timedelta(days=within)  # type: ignore[union-attr]
        decision.due_label = f"决议作出后 {within} 天内公开"
    elif decision.next_kind == StepKind.RESULT_DISCLOSURE:
        disclosed = (
            decision.steps.filter(
                kind=StepKind.RESOLUTION_DISCLOSURE, passed=True, superseded_at__isnull=True
            )
            .order_by("-pk")
            .first()
        )
        if decision.task_id and decision.task.deadline:  # type: ignore[union-attr]
            rules = Rules.load(decision.task.deadline)  # type: ignore[union-attr]
            within = rules.get("village.result_within", decision.org)
            decision.due_on = decision.task.deadline + dt.timedelta(days=within)  # type: ignore[union-attr]
            decision.due_label = f"实施任务完成时限 {decision.task.deadline} 后 {within} 天内公开实施结果"  # type: ignore[union-attr]
        elif disclosed is not None:
            rules = Rules.load(disclosed.held_on)
            days = rules.get("village.implement_days", decision.org)
            decision.due_on = disclosed.held_on + dt.timedelta(days=days)
            decision.due_label = f"决议公开后约 {days} 天内公开实施结果(地方做法;关联实施任务后按任务时限)"
    elif decision.next_kind is not None and decision.started_on and decision.done_steps < 4:
        rules = Rules.load(decision.started_on)
        total = rules.get("village.total_days", decision.org)
        decision.due_on = decision.started_on + dt.timedelta(days=total)
        decision.due_label = f"提议后约 {total} 天内完成决议并公开(地方做法)"


ORDER_LABELS = [StepKind(k).label for k in ORDER]


# ---------------------------------------------------------------------------------------------
# Photos (照片): re-encoded without EXIF/GPS, shown on the public page; withdrawn, never deleted


@transaction.atomic
def add_photos(*, actor, decision: Decision, uploads, stage: str = PhotoStage.ITEM, caption: str = ""):
    """Photos of the item (现场、公示栏) or of its implementation result (实施结果, after the
    resolution is published). Each is checked by content and re-encoded (cases.photos)."""
    from cases.photos import check_count, clean_photo

    decision = Decision.objects.select_for_update(of=("self",)).select_related("org").get(pk=decision.pk)
    require(actor, decision.org)
    if stage not in PhotoStage.values:
        raise ServiceError("请选择照片类别", field="stage")
    if stage == PhotoStage.RESULT and decision.status not in (DecisionStatus.DISCLOSED, DecisionStatus.DONE):
        raise ServiceError("实施结果照片须在决议公开、开始实施后上传", field="stage")
    uploads = list(uploads or [])
    if not uploads:
        raise ServiceError("请选择照片", field="photos")
    check_count(uploads)
    live = decision.photos.filter(withdrawn_at__isnull=True).count()
    if live + len(uploads) > MAX_PHOTOS_PER_ITEM:
        raise ServiceError(f"每个事项最多 {MAX_PHOTOS_PER_ITEM} 张照片,已有 {live} 张", field="photos")
    caption = _public(clean_text(caption, "caption", "照片说明", limit=100), "caption", "照片说明")
    now = clock.now()
    photos = []
    for upload in uploads:
        content, width, height = clean_photo(upload)
        photo = DecisionPhoto(
            decision=decision,
            org=decision.org,
            stage=stage,
            width=width,
            height=height,
            caption=caption,
            uploaded_by=user_or_none(actor),
            created_at=now,
        )
        photo.file.save("photo.jpg", content, save=False)
        photo.save()
        photos.append(photo)
    record(
        decision,
        PHOTOS_ADDED,
        actor=actor,
        after={"stage": PhotoStage(stage).label, "count": len(photos), "caption": caption},
    )
    return photos


@transaction.atomic
def withdraw_photo(*, actor, photo: DecisionPhoto, reason: str) -> DecisionPhoto:
    photo = DecisionPhoto.objects.select_for_update(of=("self",)).select_related("org").get(pk=photo.pk)
    require(actor, photo.org)
    if photo.withdrawn_at is not None:
        raise ServiceError("该照片已撤下", field="reason")
    photo.withdraw_reason = clean_text(reason, "reason", "撤下原因", required=True)
    photo.withdrawn_at = clock.now()
    photo.save(update_fields=["withdrawn_at", "withdraw_reason"])
    record(
        photo.decision, PHOTO_WITHDRAWN, actor=actor, reason=photo.withdraw_reason, after={"photo": photo.pk}
    )
    return photo


# ---------------------------------------------------------------------------------------------
# Implementation through a key task (实施任务, workplan)


@transaction.atomic
def link_task(
    *,
    actor,
    decision: Decision,
    task=None,
    plan=None,
    title: str = "",
    deadline: dt.date | None = None,
    lead_unit: Org | None = None,
):
    """Link the decision to a ``workplan`` task for its implementation: an existing task the actor
    can see, or a new one created in ``plan`` through ``workplan.services.create_task`` (the plan's
    supervisors only). The result disclosure is then due after the task's deadline."""
    from workplan import services as wp
    from workplan.models import LinkKind, Task, TaskState

    decision = Decision.objects.select_for_update(of=("self",)).select_related("org").get(pk=decision.pk)
    if not may_act(actor, decision.org):
        # The supervision office may hand a decision it can see to a task of its own plan.
        sees = Decision.objects.visible_to(actor).filter(pk=decision.pk).exists()
        if not (task is None and plan is not None and sees):
            raise PermissionDenied("无权办理该村的四议两公开事项")
    if decision.status == DecisionStatus.DELIBERATING:
        raise ServiceError("须在村民(代表)会议决议通过后关联实施任务", field="task")
    if decision.task_id:
        raise ServiceError("该事项已关联实施任务", field="task")
    if task is None:
        if plan is None:
            raise ServiceError("请选择已有任务,或选择计划新建任务", field="plan")
        task = wp.create_task(
            plan,
            actor=actor,
            title=clean_text(title, "title", "任务名称", limit=300)
            or f"{decision.org.name}:{decision.title}",
            start_on=kit.today(),
            deadline=deadline,  # type: ignore[arg-type]
            lead_unit=lead_unit or decision.org,
            description=f"四议两公开事项(村民(代表)会议已决议):{decision.summary[:500]}",
            expected_result="实施完成并公开实施结果",
        )
    else:
        tasks = Task.objects.all() if is_system(actor) else Task.objects.visible_to(actor)
        if not tasks.filter(pk=task.pk).exists():
            raise ServiceError("找不到该任务,或您无权查看", field="task")
        if task.state == TaskState.CANCELLED:
            raise ServiceError("该任务已取消,不能关联", field="task")
    decision.task = task
    _schedule(decision)
    decision.updated_at = clock.now()
    decision.save()
    # The task shows the decision among its linked records (a system link from this action).
    if not task.links.filter(kind=LinkKind.URL, url=f"/villages/{decision.pk}/").exists():
        wp.link_record(
            task,
            actor=SYSTEM,
            kind=LinkKind.URL,
            ref=f"/villages/{decision.pk}/",
            label=f"四议两公开:{decision.title}",
        )
    record(decision, TASK_LINKED, actor=actor, after={"task": task.pk, "title": task.title})
    return task
