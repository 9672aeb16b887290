"""干部监督 services: one function per business action, one transaction, one audit event.

Every event is recorded on the cadre file's chain (or, for a 问责 on an organization, on the
decision), with no contents in ``before``/``after`` (the audit log must not copy what only holders
may read); the audit log's scoped pages never list ``cadres.*`` subjects (``audit.events.
restrict_subjects``), the file shows its own log to holders. Reads are services too: opening a file
(``open_file``) and revealing its 8小时以外 section (``reveal_offhours``) each need a purpose
(查阅目的) and record who, when, which file and why.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone

from audit import events
from audit.services import Subject, record
from core import kit
from core.actors import Actor, user_or_none
from core.errors import ServiceError
from orgs.models import Org, Person

from .access import require_holder
from .models import (
    DIMENSIONS,
    LEADER_FORMS,
    ORGANIZATION_FORMS,
    UP_KINDS,
    Accountability,
    AccountabilityForm,
    Adjustment,
    AdjustmentKind,
    AdjustmentMethod,
    CadreFile,
    Ground,
    GroundKind,
    Inspection,
    Level,
    Occasion,
    TargetKind,
)

E = events.register
FILE_CREATED = E("cadres.file_created", "新建干部档案")
FILE_READ = E("cadres.file_read", "查阅干部档案")
OFFHOURS_READ = E("cadres.offhours_read", "查阅8小时以外情况")
FILE_REVOKED = E("cadres.file_revoked", "撤销干部档案")
INSPECTION_RECORDED = E("cadres.inspection_recorded", "登记干部考察")
ADJUSTMENT_RECORDED = E("cadres.adjustment_recorded", "登记能上能下调整")
ACCOUNTABILITY_RECORDED = E("cadres.accountability_recorded", "登记问责决定")
RECORD_REVOKED = E("cadres.record_revoked", "撤销干部监督记录")
STATISTICS_EXPORTED = E("cadres.statistics_exported", "导出能上能下统计")

READ_CODES = (FILE_READ, OFFHOURS_READ)
MAX_TEXT = 2000
DENIED = "您没有干部监督权限"


def _purpose(purpose: str | None) -> str:
    return kit.clean_text(purpose, "purpose", "查阅目的", required=True, limit=200)


def _not_future(day: dt.date | None, field: str, label: str) -> dt.date:
    if day is None:
        raise ServiceError(f"请填写{label}", field=field)
    if day > kit.today():
        raise ServiceError(f"{label}不能晚于今天", field=field)
    return day


def _live_file(file: CadreFile) -> CadreFile:
    file = CadreFile.objects.select_for_update().get(pk=file.pk)
    if file.revoked_at is not None:
        raise ServiceError("该干部档案已撤销", field="file")
    return file


# ---------------------------------------------------------------------------------------------
# Files and reads


@transaction.atomic
def create_file(
    person: Person, org: Org, *, actor: Actor, rank: str = "", post: str = "", is_demo: bool = False
) -> CadreFile:
    """建立干部档案 for ``person`` serving in ``org`` (inside the actor's supervised subtree)."""
    require_holder(actor, org.path, DENIED)
    if org.is_archived:
        raise ServiceError(f"“{org.name}”已撤销", field="org")
    if person.archived_at is not None:
        raise ServiceError(f"{person.name} 已归档", field="person")
    if CadreFile.objects.live().filter(person=person).exists():
        raise ServiceError(f"{person.name} 已有干部档案", field="person")
    file = CadreFile.objects.create(
        person=person,
        org=org,
        rank=kit.clean_text(rank, "rank", "职级", limit=30),
        post=kit.clean_text(post, "post", "现任职务", limit=100),
        recorded_by=user_or_none(actor),
        is_demo=is_demo,
    )
    record(file, FILE_CREATED, actor=actor, after={"org": org.pk, "person": person.pk})
    return file


@transaction.atomic
def open_file(file: CadreFile, *, actor: Actor, purpose: str) -> CadreFile:
    """查阅: the purpose is required; records who, when, which file and why."""
    require_holder(actor, file.org_path, DENIED)
    record(file, FILE_READ, actor=actor, reason=_purpose(purpose))
    return file


@transaction.atomic
def reveal_offhours(file: CadreFile, *, actor: Actor, purpose: str) -> list[Inspection]:
    """The restricted 8小时以外 section (生活圈、社交圈) of the file's live 考察 records, after a
    second purpose prompt; recorded apart from the opening of the file."""
    require_holder(actor, file.org_path, DENIED)
    record(file, OFFHOURS_READ, actor=actor, reason=_purpose(purpose))
    return list(file.inspections.live().order_by("-held_on", "-pk"))


@transaction.atomic
def revoke_file(file: CadreFile, *, actor: Actor, reason: str) -> CadreFile:
    require_holder(actor, file.org_path, DENIED)
    file = _live_file(file)
    reason = kit.clean_text(reason, "reason", "撤销原因", required=True)
    file.revoked_at, file.revoked_by, file.revoke_reason = timezone.now(), user_or_none(actor), reason
    file.save(update_fields=["revoked_at", "revoked_by", "revoke_reason"])
    record(file, FILE_REVOKED, actor=actor, reason=reason)
    return file


# ---------------------------------------------------------------------------------------------
# 考察


@transaction.atomic
def record_inspection(file: CadreFile, *, actor: Actor, data: dict[str, Any]) -> Inspection:
    """登记干部考察: date, occasion, a level (好/较好/一般/差) and findings for each standard
    dimension, the conclusion, and the 8小时以外 section (生活圈、社交圈)."""
    require_holder(actor, file.org_path, DENIED)
    file = _live_file(file)
    held_on = _not_future(data.get("held_on"), "held_on", "考察日期")
    occasion = data.get("occasion") or ""
    if occasion not in Occasion.values:
        raise ServiceError("请选择考察类型", field="occasion")
    values: dict[str, Any] = {}
    for key, label in DIMENSIONS:
        level = data.get(f"{key}_level") or ""
        if level not in Level.values:
            raise ServiceError(f"请选择{label}的评价等次", field=f"{key}_level")
        values[f"{key}_level"] = level
        values[f"{key}_text"] = kit.clean_text(
            data.get(f"{key}_text"), f"{key}_text", f"{label}情况", limit=MAX_TEXT
        )
    values["conclusion"] = kit.clean_text(data.get("conclusion"), "conclusion", "考察结论", limit=MAX_TEXT)
    values["life_circle"] = kit.clean_text(
        data.get("life_circle"), "life_circle", "生活圈情况", limit=MAX_TEXT
    )
    values["social_circle"] = kit.clean_text(
        data.get("social_circle"), "social_circle", "社交圈情况", limit=MAX_TEXT
    )
    inspection = Inspection.objects.create(
        file=file,
        org=file.org,
        held_on=held_on,
        occasion=occasion,
        recorded_by=user_or_none(actor),
        is_demo=file.is_demo,
        **values,
    )
    record(
        file,
        INSPECTION_RECORDED,
        actor=actor,
        after={"inspection": inspection.pk, "held_on": held_on.isoformat(), "occasion": occasion},
    )
    return inspection


# ---------------------------------------------------------------------------------------------
# 能上能下


def _ground(ground: Ground | None, kind: str, label: str) -> Ground:
    if ground is None or not ground.active or ground.kind != kind:
        raise ServiceError(f"请选择{label}", field="ground")
    return ground


@transaction.atomic
def record_adjustment(
    file: CadreFile,
    *,
    actor: Actor,
    kind: str,
    decided_on: dt.date | None,
    ground: Ground | None = None,
    method: str = "",
    new_post: str = "",
    facts: str = "",
) -> Adjustment:
    """能上 (提拔、晋升职级、重用) or 能下 (不适宜担任现职调整: a listed situation of the 2022
    规定 as its ground, and the way of adjustment)."""
    require_holder(actor, file.org_path, DENIED)
    file = _live_file(file)
    if kind not in AdjustmentKind.values:
        raise ServiceError("请选择调整类型", field="kind")
    decided_on = _not_future(decided_on, "decided_on", "决定日期")
    if kind == AdjustmentKind.UNSUITABLE:
        ground = _ground(ground, GroundKind.UNSUITABLE, "不适宜担任现职的情形(依据)")
        if method not in AdjustmentMethod.values:
            raise ServiceError("请选择调整方式", field="method")
        facts = kit.clean_text(facts, "facts", "事实与理由", required=True, limit=MAX_TEXT)
    else:
        if kind not in UP_KINDS:
            raise ServiceError("请选择调整类型", field="kind")
        ground, method = None, ""
        facts = kit.clean_text(facts, "facts", "事实与理由", limit=MAX_TEXT)
    adjustment = Adjustment.objects.create(
        file=file,
        org=file.org,
        kind=kind,
        decided_on=decided_on,
        method=method,
        ground=ground,
        new_post=kit.clean_text(new_post, "new_post", "调整后职务", limit=100),
        facts=facts,
        recorded_by=user_or_none(actor),
        is_demo=file.is_demo,
    )
    after = {"adjustment": adjustment.pk, "kind": kind, "ground": ground.code if ground else ""}
    record(file, ADJUSTMENT_RECORDED, actor=actor, after=after)
    return adjustment


# ---------------------------------------------------------------------------------------------
# 问责


@transaction.atomic
def record_accountability(
    *,
    actor: Actor,
    form: str,
    ground: Ground | None,
    decided_on: dt.date | None,
    file: CadreFile | None = None,
    org: Org | None = None,
    decided_by: str = "",
    facts: str = "",
) -> Accountability:
    """问责: on a leader (``file``; 通报、诫勉、组织调整或者组织处理、纪律处分) or on a party
    organization (``org``; 检查、通报、改组), with a 问责情形 of the 2019 条例 as its ground."""
    forms: tuple[str, ...]
    if (file is None) == (org is None):
        raise ServiceError("请选择问责对象", field="target")
    if file is not None:
        require_holder(actor, file.org_path, DENIED)
        file = _live_file(file)
        target, target_org, forms = TargetKind.LEADER, file.org, LEADER_FORMS
    else:
        assert org is not None
        if not org.is_party or org.host is None:
            raise ServiceError("对党组织问责,请选择党组织", field="org")
        require_holder(actor, org.host.path, DENIED)
        target, target_org, forms = TargetKind.ORGANIZATION, org.host, ORGANIZATION_FORMS
    if form not in forms:
        label = "、".join(AccountabilityForm(f).label for f in forms)
        raise ServiceError(f"问责方式应为:{label}", field="form")
    decision = Accountability.objects.create(
        target=target,
        file=file,
        org=target_org,
        party_org=org,
        form=form,
        ground=_ground(ground, GroundKind.ACCOUNTABILITY, "问责情形(依据)"),
        decided_on=_not_future(decided_on, "decided_on", "决定日期"),
        decided_by=kit.clean_text(decided_by, "decided_by", "问责决定机关", required=True, limit=100),
        facts=kit.clean_text(facts, "facts", "失职失责事实", required=True, limit=MAX_TEXT),
        recorded_by=user_or_none(actor),
        is_demo=file.is_demo if file is not None else target_org.is_demo,
    )
    after = {"accountability": decision.pk, "form": form, "ground": decision.ground.code}
    record(file if file is not None else decision, ACCOUNTABILITY_RECORDED, actor=actor, after=after)
    return decision


# ---------------------------------------------------------------------------------------------
# Revocation of a record


REVOCABLE = {"inspection": Inspection, "adjustment": Adjustment, "accountability": Accountability}


@transaction.atomic
def revoke_record(kind: str, pk: int, *, actor: Actor, reason: str):
    """撤销 a 考察, adjustment or 问责 entered in error (kept, out of the file and statistics)."""
    model = REVOCABLE.get(kind)
    if model is None:
        raise ServiceError("没有这类记录", field="kind")
    row = model.objects.select_for_update().filter(pk=pk).first()
    if row is None:
        raise ServiceError("没有这条记录", field="kind")
    require_holder(actor, row.org_path, DENIED)
    if row.revoked_at is not None:
        raise ServiceError("该记录已撤销", field="reason")
    reason = kit.clean_text(reason, "reason", "撤销原因", required=True)
    row.revoked_at, row.revoked_by, row.revoke_reason = timezone.now(), user_or_none(actor), reason
    row.save(update_fields=["revoked_at", "revoked_by", "revoke_reason"])
    subject = getattr(row, "file", None) or row
    record(subject, RECORD_REVOKED, actor=actor, reason=reason, after={kind: row.pk})
    return row


@transaction.atomic
def note_export(org: Org, year: int, *, actor: Actor) -> None:
    """The statistics' Excel leaves the system: who exported which year."""
    require_holder(actor, org.path, DENIED)
    subject = Subject("cadres.statistics", str(year), label=f"能上能下统计 {year}年", scope_path=org.path)
    record(subject, STATISTICS_EXPORTED, actor=actor, reason=f"{year}年")
