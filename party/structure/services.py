"""联合党支部 member units, 品牌支部 designations and 党建联盟 links (组织设置).

* ``add_joint_unit`` / ``end_joint_unit`` — the branch (or its higher committee) lists the units a
  联合党支部 covers; such a unit is not a 应建未建 case (``compliance.rules.organization.should_establish``).
* ``designate_brand`` / ``revoke_brand`` — only the higher party committee names a 品牌支部, with a
  citation; revoking keeps the record with the reason.
* ``link_alliance`` / ``end_alliance`` — a community's party organization records the partners of
  its 党建联盟 (property management, grids, co-building units).
Every change is audited; nothing is deleted.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from audit import events
from audit.services import record
from core import clock, kit
from core.actors import user_or_none
from core.errors import ServiceError
from core.kit import clean_text
from orgs.models import UNIT_KINDS, Org
from orgs.permissions import require
from party.scope import approver_of
from party.structure.models import AllianceLink, AlliancePartner, BrandDesignation, JointBranchUnit

E = events.register
JOINT_UNIT_ADDED = E("party.joint_unit_added", "联合党支部纳入成员单位")
JOINT_UNIT_ENDED = E("party.joint_unit_ended", "联合党支部成员单位退出")
BRAND_DESIGNATED = E("party.brand_designated", "命名品牌支部")
BRAND_REVOKED = E("party.brand_revoked", "撤销品牌支部")
ALLIANCE_LINKED = E("party.alliance_linked", "党建联盟加入成员")
ALLIANCE_ENDED = E("party.alliance_ended", "党建联盟成员退出")


def _day(value, field: str, label: str) -> dt.date:
    if not isinstance(value, dt.date):
        raise ServiceError(f"请填写{label}", field=field)
    if value > kit.today():
        raise ServiceError(f"{label}不能晚于今天", field=field)
    return value


@transaction.atomic
def add_joint_unit(*, actor, branch: Org, unit: Org, joined_on: dt.date, note: str = "") -> JointBranchUnit:
    require(actor, "change", branch, "无权为该支部登记成员单位")
    if branch.kind != "branch":
        raise ServiceError("只有党支部可以设为联合党支部", field="org")
    if unit is None or unit.kind not in UNIT_KINDS or unit.archived_at is not None:
        raise ServiceError("成员单位须为现有的单位(企业、社会组织、社区等)", field="unit")
    if JointBranchUnit.objects.active().filter(org=branch, unit=unit).exists():
        raise ServiceError(f"{unit.name} 已是本支部的成员单位", field="unit")
    row = JointBranchUnit.objects.create(
        org=branch,
        unit=unit,
        joined_on=_day(joined_on, "joined_on", "纳入日期"),
        note=clean_text(note, "note", "说明"),
        created_at=clock.now(),
    )
    record(row, JOINT_UNIT_ADDED, actor=actor, after={"unit": unit.name, "joined_on": str(joined_on)})
    return row


@transaction.atomic
def end_joint_unit(*, actor, row: JointBranchUnit, ended_on: dt.date, reason: str) -> JointBranchUnit:
    require(actor, "change", row.org, "无权修改该支部的成员单位")
    reason = clean_text(reason, "reason", "退出原因", required=True)
    if row.ended_on is not None:
        raise ServiceError("该成员单位已退出")
    row.ended_on = max(_day(ended_on, "ended_on", "退出日期"), row.joined_on)
    row.save(update_fields=["ended_on"])
    record(row, JOINT_UNIT_ENDED, actor=actor, reason=reason, after={"ended_on": str(row.ended_on)})
    return row


@transaction.atomic
def designate_brand(
    *, actor, branch: Org, title: str, citation: str, designated_on: dt.date
) -> BrandDesignation:
    """Only the higher party committee names a 品牌支部."""
    higher = approver_of(branch)
    if higher is None:
        raise ServiceError("该组织没有上级党组织")
    require(actor, "change", higher, "只有上级党委可以命名品牌支部")
    if branch.kind != "branch":
        raise ServiceError("只能命名党支部", field="org")
    row = BrandDesignation.objects.create(
        org=branch,
        title=clean_text(title, "title", "品牌名称", required=True, limit=60),
        citation=clean_text(citation, "citation", "命名理由", required=True, limit=2000),
        designated_on=_day(designated_on, "designated_on", "命名日期"),
        designated_by=higher,
        recorded_by=user_or_none(actor),
        created_at=clock.now(),
    )
    record(row, BRAND_DESIGNATED, actor=actor, after={"title": row.title, "by": higher.name})
    return row


@transaction.atomic
def revoke_brand(*, actor, row: BrandDesignation, reason: str) -> BrandDesignation:
    require(actor, "change", row.designated_by, "只有命名的党委可以撤销品牌支部")
    reason = clean_text(reason, "reason", "撤销原因", required=True)
    if row.ended_on is not None:
        raise ServiceError("该品牌支部已撤销")
    row.ended_on, row.end_reason = kit.today(), reason
    row.save(update_fields=["ended_on", "end_reason"])
    record(row, BRAND_REVOKED, actor=actor, reason=reason)
    return row


@transaction.atomic
def link_alliance(
    *, actor, org: Org, partner: Org, partner_kind: str, alliance: str, joined_on: dt.date, note: str = ""
) -> AllianceLink:
    require(actor, "change", org, "无权为该党组织登记党建联盟")
    if not org.is_party or org.kind == "group":
        raise ServiceError("党建联盟须由党组织牵头", field="org")
    if partner_kind not in AlliancePartner.values:
        raise ServiceError("请选择成员类型", field="partner_kind")
    if partner is None or partner.pk == org.pk or partner.archived_at is not None:
        raise ServiceError("请选择联盟成员", field="partner")
    name = clean_text(alliance, "alliance", "联盟名称", required=True, limit=60)
    if AllianceLink.objects.active().filter(org=org, partner=partner, alliance=name).exists():
        raise ServiceError(f"{partner.name} 已在该联盟中", field="partner")
    row = AllianceLink.objects.create(
        org=org,
        partner=partner,
        partner_kind=partner_kind,
        alliance=name,
        joined_on=_day(joined_on, "joined_on", "加入日期"),
        note=clean_text(note, "note", "共建事项"),
        created_at=clock.now(),
    )
    record(row, ALLIANCE_LINKED, actor=actor, after={"alliance": name, "partner": partner.name})
    return row


@transaction.atomic
def end_alliance(*, actor, row: AllianceLink, reason: str) -> AllianceLink:
    require(actor, "change", row.org, "无权修改该党建联盟")
    reason = clean_text(reason, "reason", "退出原因", required=True)
    if row.ended_on is not None:
        raise ServiceError("该成员已退出联盟")
    row.ended_on = max(kit.today(), row.joined_on)
    row.save(update_fields=["ended_on"])
    record(row, ALLIANCE_ENDED, actor=actor, reason=reason)
    return row
