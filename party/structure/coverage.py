"""两新组织 coverage and 党建联盟 figures (覆盖情况) of a party organization's area, computed from the
org forest — the figures the organization department reports (从“有形覆盖”向“有效覆盖”;
党建联盟进社区、进物业、进网格).

Definitions (also stated on the page and in ``docs/apps/party.md``):

* **两新组织**: the units of kind 非公企业 (``enterprise``) and 社会组织 (``social_org``) in the area —
  the administrative unit the party organization is built in (its ``host``) and everything below it.
* **党员数**: members in good standing (正常, formal and probationary) whose own unit
  (``Person.org``) is the unit; **正式党员** of them decide the size class.
* **应单独建立**: ≥ ``branch.min_formal`` (3) formal members — the unit should have its own party
  organization (《中国共产党支部工作条例(试行)》第四条). **联合建立/选派**: 1–2 members — covered by a
  联合党支部 or a 党建指导员. **无党员**: none — covered by a 党建指导员 (工作覆盖).
* **有形覆盖 (建立党组织)**: a party organization built in the unit (``Org.host``) or a 联合党支部
  that lists the unit (``JointBranchUnit``, in force).
* **党建指导员**: a current post of kind ``party_instructor`` at the unit.
* **有效覆盖**: covered, and the covering party organization held at least one organization-life
  meeting (``Meeting``, not voided) in the twelve months up to the day (the compliance engine's
  default window: early in a year the figure does not drop to nothing).
* **党建联盟**: links in force (``AllianceLink``) of the party organizations of the area: communities
  whose party organization has a link (进社区), property-service companies linked (进物业), grids
  linked (进网格) against all grids of the area.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from dateutil.relativedelta import relativedelta

from orgs.models import PARTY_KINDS, Org, Position
from orgs.scoping import subtree_q
from party.life.models import Meeting
from party.membership.models import Member, MemberCategory, MemberStatus
from party.rules import Rules
from party.structure.models import AllianceLink, AlliancePartner, JointBranchUnit

TWO_NEW = ("enterprise", "social_org")


@dataclass
class UnitRow:
    unit: Org
    members: int
    formal: int
    size: str  # "own" (应单独建立), "joint" (1–2), "none" (无党员)
    own_org: Org | None = None
    joint_org: Org | None = None
    instructors: list[str] = field(default_factory=list)
    life: bool = False

    @property
    def covered(self) -> bool:
        return self.own_org is not None or self.joint_org is not None

    @property
    def effective(self) -> bool:
        return self.covered and self.life

    @property
    def covering(self) -> Org | None:
        return self.own_org or self.joint_org

    @property
    def size_label(self) -> str:
        return {"own": "应单独建立", "joint": "联合建立/选派", "none": "无党员"}[self.size]

    @property
    def gap(self) -> str:
        """What is missing, in the department's words (empty: nothing)."""
        if self.size == "own" and self.own_org is None:
            return "应建未建" + ("(暂由联合党支部覆盖)" if self.joint_org else "")
        if self.size == "joint" and not self.covered and not self.instructors:
            return "未纳入联合党支部,也未选派党建指导员"
        if self.size == "none" and not self.instructors and not self.covered:
            return "未选派党建指导员"
        if self.covered and not self.life:
            return "近12个月未开展组织生活(有形未有效)"
        return ""


@dataclass
class Coverage:
    org: Org
    area: Org | None
    year: int
    day: dt.date
    min_formal: int
    units: list[UnitRow] = field(default_factory=list)
    communities: list[dict] = field(default_factory=list)  # {name, alliances: [names], linked: bool}
    property_partners: list[str] = field(default_factory=list)
    grids_total: int = 0
    grids_linked: list[str] = field(default_factory=list)
    alliances: list[AllianceLink] = field(default_factory=list)

    def _rows(self, kind: str | None) -> list[UnitRow]:
        return [u for u in self.units if kind is None or u.unit.kind == kind]

    def figures(self, kind: str | None = None) -> dict[str, int]:
        rows = self._rows(kind)
        return {
            "total": len(rows),
            "with_members": sum(1 for u in rows if u.members),
            "own_size": sum(1 for u in rows if u.size == "own"),
            "own_built": sum(1 for u in rows if u.size == "own" and u.own_org is not None),
            "joint_size": sum(1 for u in rows if u.size == "joint"),
            "joint_covered": sum(1 for u in rows if u.size == "joint" and u.covered),
            "covered": sum(1 for u in rows if u.covered),
            "instructor": sum(1 for u in rows if u.instructors),
            "work_covered": sum(1 for u in rows if u.covered or u.instructors),
            "effective": sum(1 for u in rows if u.effective),
            "gaps": sum(1 for u in rows if u.gap),
        }

    @property
    def rows_by_kind(self) -> list[tuple[str, dict[str, int]]]:
        return [
            ("非公企业", self.figures("enterprise")),
            ("社会组织", self.figures("social_org")),
            ("合计", self.figures()),
        ]

    @property
    def gaps(self) -> list[UnitRow]:
        return [u for u in self.units if u.gap]

    @property
    def communities_linked(self) -> int:
        return sum(1 for c in self.communities if c["linked"])


def area_of(org: Org) -> Org | None:
    """The administrative unit whose 两新组织 a party organization answers for: the unit it is built
    in (the district committee: the district; a street's 党工委: the street)."""
    return org if not org.is_party else org.host


def compute(org: Org, day: dt.date) -> Coverage:
    """The coverage of ``org``'s area as of ``day`` (the year of ``day``)."""
    area = area_of(org)
    result = Coverage(
        org=org, area=area, year=day.year, day=day, min_formal=Rules.load(day).get("branch.min_formal", org)
    )
    if area is None:
        return result
    units = {
        u.pk: u
        for u in Org.objects.filter(
            subtree_q("path", area.path), kind__in=TWO_NEW, archived_at__isnull=True
        ).order_by("path")
    }
    counts: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for unit_id, category in Member.objects.filter(
        person__org_id__in=list(units), status=MemberStatus.NORMAL
    ).values_list("person__org_id", "category"):
        counts[unit_id][0] += 1
        counts[unit_id][1] += category == MemberCategory.FORMAL
    own: dict[int, Org] = {}
    for party in Org.objects.filter(
        host_id__in=list(units), kind__in=PARTY_KINDS, archived_at__isnull=True
    ).order_by("depth", "path"):
        own.setdefault(party.host_id, party)
    joint: dict[int, Org] = {}
    for row in (
        JointBranchUnit.objects.active(day)
        .filter(unit_id__in=list(units), joined_on__lte=day, org__archived_at__isnull=True)
        .select_related("org")
    ):
        joint.setdefault(row.unit_id, row.org)
    instructors: dict[int, list[str]] = defaultdict(list)
    for unit_id, name in (
        Position.objects.current(day)
        .filter(org_id__in=list(units), kind="party_instructor")
        .values_list("org_id", "person__name")
    ):
        instructors[unit_id].append(name)
    covering = {o.pk for o in own.values()} | {o.pk for o in joint.values()}
    with_life = set(
        Meeting.objects.live()
        .filter(org_id__in=covering, held_on__gt=day - relativedelta(years=1), held_on__lte=day)
        .values_list("org_id", flat=True)
    )
    for pk, unit in units.items():
        members, formal = counts.get(pk, (0, 0))
        size = "own" if formal >= result.min_formal else ("joint" if members else "none")
        row = UnitRow(unit, members, formal, size, own.get(pk), joint.get(pk) if pk not in own else None)
        row.instructors = sorted(instructors.get(pk, []))
        row.life = row.covering is not None and row.covering.pk in with_life
        result.units.append(row)
    _alliances(result, area, day)
    return result


def _alliances(result: Coverage, area: Org, day: dt.date) -> None:
    links = list(
        AllianceLink.objects.active(day)
        .filter(org__host__path__startswith=area.path, joined_on__lte=day)
        .select_related("org__host", "partner")
        .order_by("org_path", "alliance", "pk")
    )
    result.alliances = links
    by_community: dict[int, set[str]] = defaultdict(set)
    for link in links:
        host = link.org.host
        if host is not None and host.kind == "community":
            by_community[host.pk].add(link.alliance)
    for community in Org.objects.filter(
        subtree_q("path", area.path), kind="community", archived_at__isnull=True
    ).order_by("path"):
        names = sorted(by_community.get(community.pk, ()))
        result.communities.append({"name": community.name, "alliances": names, "linked": bool(names)})
    result.property_partners = sorted(
        {link.partner.name for link in links if link.partner_kind == AlliancePartner.PROPERTY}
    )
    result.grids_linked = sorted(
        {link.partner.name for link in links if link.partner_kind == AlliancePartner.GRID}
    )
    result.grids_total = Org.objects.filter(
        subtree_q("path", area.path), kind="grid", archived_at__isnull=True
    ).count()
