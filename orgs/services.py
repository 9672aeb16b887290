"""Every write to the org forest, people, positions and role grants goes through these functions.

Each runs in one transaction: check permission and rules → change rows → append an audit event.
Views, the admin, imports, the API and the CLI all call them.
"""

from __future__ import annotations

import datetime

from django.apps import apps
from django.db import transaction
from django.db.models import Value
from django.db.models.functions import Concat, Length, Substr
from django.utils import timezone

from audit import events
from audit.services import record, snapshot
from core.actors import is_system, user_or_none
from core.errors import PermissionDenied, ServiceError

from .models import (
    ALLOWED_CHILDREN,
    PARTY_KINDS,
    UNIT_KINDS,
    Org,
    OrgKind,
    OrgScopedModel,
    Person,
    Position,
    RoleGrant,
)
from .permissions import require, require_everywhere
from .roles import STAFF_ROLES, Role
from .scoping import ALL, forget_scopes, scope_paths, subtree_q
from .selectors import tree_changed
from .validators import birth_date_from_id, check_id_number, check_phone, gender_from_id

ORG_CREATED = events.register("org.created", "新建组织")
ORG_UPDATED = events.register("org.updated", "修改组织")
ORG_MOVED = events.register("org.moved", "调整隶属关系")
ORG_ARCHIVED = events.register("org.archived", "撤销组织")
PERSON_CREATED = events.register("person.created", "新增人员")
PERSON_UPDATED = events.register("person.updated", "修改人员信息")
PERSON_ARCHIVED = events.register("person.archived", "人员归档")
POSITION_STARTED = events.register("position.started", "任职")
POSITION_ENDED = events.register("position.ended", "离任")
ROLE_GRANTED = events.register("role.granted", "授予角色")
ROLE_REVOKED = events.register("role.revoked", "收回角色")
DEMO_BUILT = events.register("demo.built", "生成演示数据")

ORG_FIELDS = (
    "name",
    "short_name",
    "doc_prefix",
    "kind",
    "code",
    "host",
    "grid_type",
    "households",
    "geometry",
    "phone",
    "address",
)


def _require(actor, action: str, org: Org | None) -> None:
    """``actor`` may ``action`` in ``org``'s subtree; at the top level (no org) only everywhere."""
    if org is None:
        require_everywhere(actor, action, "只有系统管理员可以在最顶层新建组织")
    else:
        require(actor, action, org, f"您没有权限在“{org.name}”范围内进行此操作")


def _check_child_kind(parent: Org | None, kind: str) -> None:
    allowed = ALLOWED_CHILDREN.get(parent.kind if parent else None, frozenset())
    if kind not in allowed:
        where = f"“{parent.name}”({parent.get_kind_display()})" if parent else "最顶层"
        raise ServiceError(f"{where}下不能设立“{OrgKind(kind).label}”", field="kind")


def _check_host(kind: str, host: Org | None) -> None:
    if host is None:
        return
    if kind not in PARTY_KINDS:
        raise ServiceError("只有党组织可以填写“所在单位”", field="host")
    if host.kind not in UNIT_KINDS:
        raise ServiceError("“所在单位”必须是社区、村、部门、街道/乡镇或两新组织", field="host")


def _clean_org_values(kind: str, values: dict) -> dict:
    name = (values.get("name") or "").strip()
    if not name:
        raise ServiceError("请填写名称", field="name")
    if len(name) > 100:
        raise ServiceError("名称不能超过100个字", field="name")
    values = {**values, "name": name}
    households = values.get("households")
    if households is not None and households < 0:
        raise ServiceError("户数不能为负数", field="households")
    if kind != OrgKind.GRID and (values.get("geometry") or households):
        raise ServiceError(
            "只有网格可以填写边界和户数", field="geometry" if values.get("geometry") else "households"
        )
    geometry = values.get("geometry")
    if geometry:
        from .geo import check_polygon

        error = check_polygon(geometry)
        if error:
            raise ServiceError(error, field="geometry")
    return values


def validate_new_org(*, actor, parent: Org | None, kind: str, values: dict) -> dict:
    """Check a new org against the rules; returns the cleaned values. Raises ServiceError."""
    if parent is not None and parent.is_archived:
        raise ServiceError(f"“{parent.name}”已撤销,不能在其下新建组织", field="parent")
    _require(actor, "change", parent)
    _check_child_kind(parent, kind)
    _check_host(kind, values.get("host"))
    values = _clean_org_values(kind, values)
    _check_unique_code(values.get("code") or "")
    return values


def _check_unique_code(code: str, exclude_pk=None) -> None:
    """Codes (区划代码, 网格编码, 信用代码) identify an active org uniquely."""
    if not code:
        return
    clash = Org.objects.filter(code=code, archived_at__isnull=True)
    if exclude_pk:
        clash = clash.exclude(pk=exclude_pk)
    if clash.exists():
        raise ServiceError(f"编码 {code} 已被“{clash.first().name}”使用", field="code")


@transaction.atomic
def create_org(*, actor, parent: Org | None, kind: str, reason: str = "", **values) -> Org:
    if parent is not None:
        parent = Org.objects.select_for_update().get(pk=parent.pk)
    values = validate_new_org(actor=actor, parent=parent, kind=kind, values=values)
    fields = {"kind": kind, **values}
    if parent is not None:
        org = Org.objects.add_child(parent, create_kwargs=fields)
    else:
        org = Org.objects.add_root(create_kwargs=fields)
    record(org, ORG_CREATED, actor=actor, reason=reason, after=snapshot(org, ORG_FIELDS))
    return org


@transaction.atomic
def update_org(org: Org, *, actor, reason: str = "", **changes) -> Org:
    org = Org.objects.select_for_update().get(pk=org.pk)
    _require(actor, "change", org)
    if "kind" in changes and changes["kind"] != org.kind:
        parent = Org.objects.get_parent(org)
        _check_child_kind(parent, changes["kind"])
    kind = changes.get("kind", org.kind)
    _check_host(kind, changes.get("host", org.host))
    merged = {field: getattr(org, field) for field in ORG_FIELDS}
    merged.update(changes)
    merged = _clean_org_values(kind, merged)
    if merged.get("code") != org.code:
        _check_unique_code(merged.get("code") or "", exclude_pk=org.pk)
    before = snapshot(org, ORG_FIELDS)
    for field, value in merged.items():
        setattr(org, field, value)
    after = snapshot(org, ORG_FIELDS)
    if after == before:
        return org
    org.save(update_fields=[*ORG_FIELDS])
    changed = [k for k in after if after[k] != before[k]]
    record(
        org,
        ORG_UPDATED,
        actor=actor,
        reason=reason,
        before={k: before[k] for k in changed},
        after={k: after[k] for k in changed},
    )
    return org


@transaction.atomic
def move_org(org: Org, new_parent: Org, *, actor, reason: str) -> Org:
    """Move ``org`` and its subtree under ``new_parent``; denormalized paths follow."""
    org = Org.objects.select_for_update().get(pk=org.pk)
    new_parent = Org.objects.select_for_update().get(pk=new_parent.pk)
    _require(actor, "change", org)
    _require(actor, "change", new_parent)
    if not reason.strip():
        raise ServiceError("请说明调整隶属关系的原因", field="reason")
    if new_parent.path.startswith(org.path):
        raise ServiceError("不能把组织移到它自己或它的下级组织之下", field="parent")
    if new_parent.is_archived:
        raise ServiceError(f"“{new_parent.name}”已撤销,不能移入", field="parent")
    _check_child_kind(new_parent, org.kind)
    old_parent = Org.objects.get_parent(org)
    old_path = org.path
    Org.objects.move(org, new_parent, "last-child")
    tree_changed()  # treebeard moves the subtree with UPDATEs: no post_save
    org.refresh_from_db()
    _rewrite_paths(old_path, org.path)
    record(
        org,
        ORG_MOVED,
        actor=actor,
        reason=reason,
        before={"parent": old_parent.pk if old_parent else None, "path": old_path},
        after={"parent": new_parent.pk, "path": org.path},
    )
    return org


def _rewrite_paths(old: str, new: str) -> None:
    """Rewrite every denormalized ``org_path`` under ``old`` to start with ``new`` instead."""
    for model in apps.get_models():
        if not issubclass(model, OrgScopedModel):
            continue
        model._base_manager.filter(subtree_q("org_path", old)).update(
            org_path=Concat(Value(new), Substr("org_path", len(old) + 1, Length("org_path")))
        )
    # Audit events keep the scope they were written with: that is history, not a live pointer.


@transaction.atomic
def archive_org(org: Org, *, actor, reason: str) -> Org:
    """撤销: an org is archived with its subtree, never deleted; its history stays readable."""
    org = Org.objects.select_for_update().get(pk=org.pk)
    _require(actor, "change", org)
    if not reason.strip():
        raise ServiceError("请填写撤销原因", field="reason")
    if org.is_archived:
        raise ServiceError(f"“{org.name}”已经撤销")
    current = Position.objects.current().filter(subtree_q("org_path", org.path))
    if current.exists():
        raise ServiceError(
            f"“{org.name}”及其下级仍有 {current.count()} 名在任人员,请先办理离任", field="reason"
        )
    now = timezone.now()
    Org.objects.filter(subtree_q("path", org.path), archived_at__isnull=True).update(
        archived_at=now, archived_reason=reason[:200]
    )
    tree_changed()
    org.refresh_from_db()
    record(org, ORG_ARCHIVED, actor=actor, reason=reason, after={"archived_at": now})
    return org


# ---------------------------------------------------------------------------------------------
# People

PERSON_FIELDS = ("name", "gender", "ethnicity", "birth_date", "education", "org", "note")


def _clean_person(values: dict, id_number: str | None, phone: str | None) -> dict:
    name = (values.get("name") or "").strip()
    if not name:
        raise ServiceError("请填写姓名", field="name")
    if len(name) > 50:
        raise ServiceError("姓名不能超过50个字", field="name")
    values["name"] = name
    if id_number:
        error = check_id_number(id_number)
        if error:
            raise ServiceError(error, field="id_number")
        born = birth_date_from_id(id_number)
        if values.get("birth_date") and values["birth_date"] != born:
            raise ServiceError("出生日期与身份证号不一致", field="birth_date")
        values["birth_date"] = born
        derived_gender = gender_from_id(id_number)
        if values.get("gender") and values["gender"] != derived_gender:
            raise ServiceError("性别与身份证号不一致", field="gender")
        values["gender"] = derived_gender
    if values.get("gender") not in ("M", "F"):
        raise ServiceError("请选择性别", field="gender")
    if values.get("birth_date") and values["birth_date"] > timezone.localdate():
        raise ServiceError("出生日期不能晚于今天", field="birth_date")
    if phone:
        error = check_phone(phone)
        if error:
            raise ServiceError(error, field="phone")
    return values


def validate_person(values: dict, id_number: str, phone: str, exclude_pk=None) -> dict:
    """Check a person's data against the rules; returns cleaned values. Raises ServiceError."""
    values = _clean_person(dict(values), id_number, phone)
    if id_number:
        _check_unique_id(id_number, exclude_pk=exclude_pk)
    return values


def _check_unique_id(id_number: str, exclude_pk=None) -> None:
    from core.privacy import blind_index

    clash = Person.objects.filter(id_number_index=blind_index(id_number))
    if exclude_pk:
        clash = clash.exclude(pk=exclude_pk)
    if clash.exists():
        raise ServiceError("该身份证号已登记在另一人员名下", field="id_number")


@transaction.atomic
def create_person(
    *, actor, org: Org, id_number: str = "", phone: str = "", reason: str = "", **values
) -> Person:
    _require(actor, "change", org)
    values = validate_person(values, id_number, phone)
    person = Person(org=org, **values)
    person.set_id_number(id_number)
    person.set_phone(phone)
    person.save()
    record(
        person,
        PERSON_CREATED,
        actor=actor,
        reason=reason,
        after={
            **snapshot(person, PERSON_FIELDS),
            "id_number": person.id_number_masked,
            "phone": person.phone_masked,
        },
    )
    return person


_UNSET = object()


@transaction.atomic
def update_person(
    person: Person, *, actor, reason: str = "", id_number=_UNSET, phone=_UNSET, **changes
) -> Person:
    person = Person.objects.select_for_update().get(pk=person.pk)
    _require(actor, "change", person.org)
    if "org" in changes:
        _require(actor, "change", changes["org"])
    merged = {field: getattr(person, field) for field in PERSON_FIELDS}
    merged.update(changes)
    new_id = person.id_number_clear() if id_number is _UNSET else (id_number or "")
    new_phone = person.phone_clear() if phone is _UNSET else (phone or "")
    if new_id and id_number is not _UNSET and "gender" not in changes:
        merged["gender"] = None  # derive from the new ID number
    if new_id and id_number is not _UNSET and "birth_date" not in changes:
        merged["birth_date"] = None
    merged = _clean_person(merged, new_id, new_phone)
    if id_number is not _UNSET and new_id:
        _check_unique_id(new_id, exclude_pk=person.pk)
    before = {
        **snapshot(person, PERSON_FIELDS),
        "id_number": person.id_number_masked,
        "phone": person.phone_masked,
    }
    for field, value in merged.items():
        setattr(person, field, value)
    if id_number is not _UNSET:
        person.set_id_number(new_id)
    if phone is not _UNSET:
        person.set_phone(new_phone)
    after = {
        **snapshot(person, PERSON_FIELDS),
        "id_number": person.id_number_masked,
        "phone": person.phone_masked,
    }
    changed = [k for k in after if after[k] != before[k]]
    if not changed and id_number is _UNSET and phone is _UNSET:
        return person
    person.save()
    record(
        person,
        PERSON_UPDATED,
        actor=actor,
        reason=reason,
        before={k: before[k] for k in changed},
        after={k: after[k] for k in changed},
    )
    return person


@transaction.atomic
def archive_person(person: Person, *, actor, reason: str) -> Person:
    person = Person.objects.select_for_update().get(pk=person.pk)
    _require(actor, "change", person.org)
    if not reason.strip():
        raise ServiceError("请填写归档原因", field="reason")
    if person.positions.current().exists():
        raise ServiceError(f"{person.name} 仍有在任职务,请先办理离任", field="reason")
    person.archived_at = timezone.now()
    person.save(update_fields=["archived_at"])
    record(person, PERSON_ARCHIVED, actor=actor, reason=reason, after={"archived_at": person.archived_at})
    return person


@transaction.atomic
def reveal_personal_data(person: Person, *, actor, reason: str) -> dict:
    """The clear ID and phone numbers, for roles allowed ``view_personal``; every access is audited."""
    if not Person.objects.visible_to(actor, "view_personal").filter(pk=person.pk).exists():
        raise PermissionDenied("您没有权限查看完整个人信息")
    if not reason.strip():
        raise ServiceError("请说明查看完整个人信息的用途", field="reason")
    record(person, events.PERSONAL_DATA_VIEWED, actor=actor, reason=reason)
    return {"id_number": person.id_number_clear(), "phone": person.phone_clear()}


# ---------------------------------------------------------------------------------------------
# Positions


@transaction.atomic
def appoint(
    person: Person,
    org: Org,
    *,
    actor,
    kind: str,
    title: str = "",
    start_on: datetime.date | None = None,
    reason: str = "",
) -> Position:
    _require(actor, "change", org)
    if org.is_archived:
        raise ServiceError(f"“{org.name}”已撤销,不能任职", field="org")
    if person.archived_at:
        raise ServiceError(f"{person.name} 已归档,不能任职", field="person")
    start_on = start_on or timezone.localdate()
    duplicate = Position.objects.current(start_on).filter(person=person, org=org, kind=kind)
    if duplicate.exists():
        raise ServiceError(f"{person.name} 已在“{org.name}”担任该职务", field="kind")
    position = Position.objects.create(person=person, org=org, kind=kind, title=title, start_on=start_on)
    record(position, POSITION_STARTED, actor=actor, reason=reason, after=snapshot(position))
    return position


@transaction.atomic
def end_position(position: Position, *, actor, end_on: datetime.date | None = None, reason: str) -> Position:
    position = Position.objects.select_for_update().get(pk=position.pk)
    _require(actor, "change", position.org)
    end_on = end_on or timezone.localdate()
    if position.end_on is not None and position.end_on <= timezone.localdate():
        raise ServiceError("该职务已经离任")
    if end_on < position.start_on:
        raise ServiceError("离任日期不能早于任职日期", field="end_on")
    if not reason.strip():
        raise ServiceError("请填写离任原因", field="reason")
    position.end_on, position.end_reason = end_on, reason[:200]
    position.save(update_fields=["end_on", "end_reason"])
    record(position, POSITION_ENDED, actor=actor, reason=reason, after={"end_on": end_on})
    return position


# ---------------------------------------------------------------------------------------------
# Role grants


@transaction.atomic
def grant_role(
    user, org: Org, role: str, *, actor, reason: str = "", start_on: datetime.date | None = None
) -> RoleGrant:
    _require(actor, "grant", org)
    if role not in Role.values:
        raise ServiceError("角色无效", field="role")
    if role == Role.ADMIN and not is_system(actor) and scope_paths(actor, "grant") is not ALL:
        raise PermissionDenied("只有超级管理员可以授予系统管理员角色")
    if RoleGrant.objects.current().filter(user=user, org=org, role=role).exists():
        raise ServiceError(f"{user} 已在“{org.name}”拥有该角色", field="role")
    grant = RoleGrant.objects.create(
        user=user,
        org=org,
        role=role,
        start_on=start_on or timezone.localdate(),
        granted_by=user_or_none(actor),
        reason=reason,
    )
    if role in STAFF_ROLES:
        type(user).objects.filter(pk=user.pk, is_staff=False).update(is_staff=True)
    forget_scopes(user)
    record(grant, ROLE_GRANTED, actor=actor, reason=reason, after=snapshot(grant))
    return grant


@transaction.atomic
def revoke_role(grant: RoleGrant, *, actor, reason: str) -> RoleGrant:
    grant = RoleGrant.objects.select_for_update().get(pk=grant.pk)
    _require(actor, "grant", grant.org)
    if not reason.strip():
        raise ServiceError("请填写收回角色的原因", field="reason")
    if grant.end_on is not None and grant.end_on <= timezone.localdate():
        raise ServiceError("该角色已失效")
    # ``end_on`` is exclusive: the grant stops working today.
    grant.end_on = max(timezone.localdate(), grant.start_on)
    grant.save(update_fields=["end_on"])
    forget_scopes(grant.user)
    record(grant, ROLE_REVOKED, actor=actor, reason=reason, after={"end_on": grant.end_on})
    return grant
