"""Demo cadre supervision (干部监督) for the ``ganbu`` account (区委组织部干部监督室, granted at the
district): files of a few community directors with 考察 records (one with the 8小时以外 section),
能上 (提拔, 重用, 晋升职级), one 不适宜担任现职 adjustment, 问责 decisions (a leader by 组织调整, a
leader by 诫勉, a party organization by 检查), a revoked record and a read with its purpose.

Dates are relative to the build day and kept inside its year (the statistics of the current year
show both sides whatever the day); last year's 晋升职级 fills the previous year's statistics.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from cadres import services
from cadres.models import CadreFile, Ground, GroundKind
from core.actors import SYSTEM
from demo import orgs as orgs_demo
from orgs.models import Org, Position, User

FILES = 6


class DemoCadresError(Exception):
    pass


def _in_year(today: dt.date, days_back: int) -> dt.date:
    return max(dt.date(today.year, 1, 1), today - dt.timedelta(days=days_back))


def _ground(kind: str, code: str) -> Ground:
    return Ground.objects.filter(kind=kind, code=code).first() or Ground.objects.filter(kind=kind).first()


def _levels(**overrides) -> dict:
    levels = {f"{k}_level": "good" for k in ("political", "conduct", "integrity", "style")}
    return {**levels, **overrides}


def build_demo_cadres(stdout=None) -> int:
    root = orgs_demo.find_demo_root()
    if root is None:
        raise DemoCadresError("尚未生成演示区划,请先运行 luoshi build_demo")
    if CadreFile.objects.filter(is_demo=True).exists():
        if stdout is not None:
            stdout.write("干部监督演示数据已存在,直接复用\n")
        return 0
    today = timezone.localdate()
    directors = (
        Position.objects.current(today)
        .filter(org__is_demo=True, org__kind="community", kind="director", org_path__startswith=root.path)
        .select_related("person", "org")
        .order_by("org_path", "pk")
    )
    seen, posts = set(), []
    for post in directors:
        if post.person_id not in seen:
            seen.add(post.person_id)
            posts.append(post)
        if len(posts) == FILES:
            break
    if len(posts) < FILES:
        raise DemoCadresError("演示数据不完整:社区主任不足,无法生成干部监督演示数据")
    with transaction.atomic():
        files = [
            services.create_file(
                p.person,
                p.org,
                actor=SYSTEM,
                rank="正科级" if i < 2 else "副科级",
                post=p.title,
                is_demo=True,
            )
            for i, p in enumerate(posts)
        ]
        _records(files, today)
        ganbu = User.objects.filter(username="ganbu").first()
        if ganbu is not None:
            services.open_file(files[0], actor=ganbu, purpose="年度考核前了解干部情况")
    if stdout is not None:
        stdout.write(f"干部监督演示数据:{len(files)} 份干部档案\n")
    return len(files)


def _records(files: list[CadreFile], today: dt.date) -> None:
    a, b, c, d, e, f = files
    services.record_inspection(
        a,
        actor=SYSTEM,
        data={
            "held_on": _in_year(today, 40),
            "occasion": "promotion",
            **_levels(),
            "political_text": "坚决贯彻上级决策部署,在网格化治理中敢于担当",
            "conduct_text": "为人正派,群众口碑较好",
            "integrity_text": "未发现违反廉洁纪律问题",
            "style_text": "深入网格,作风扎实",
            "conclusion": "符合提拔条件",
            "life_circle": "业余时间参加社区志愿服务,家庭和睦,消费正常",
            "social_circle": "交往对象以同事、邻里为主,未发现与管理服务对象不当交往",
        },
    )
    services.record_adjustment(
        a, actor=SYSTEM, kind="promote", decided_on=_in_year(today, 20), new_post="街道办事处副主任"
    )
    services.record_inspection(
        b,
        actor=SYSTEM,
        data={
            "held_on": _in_year(today, 60),
            "occasion": "annual",
            **_levels(conduct_level="fair_good"),
            "political_text": "政治立场坚定",
            "conclusion": "年度考察结果为较好",
        },
    )
    services.record_adjustment(
        b, actor=SYSTEM, kind="reuse", decided_on=_in_year(today, 15), new_post="社区党委书记"
    )
    services.record_inspection(
        c,
        actor=SYSTEM,
        data={
            "held_on": _in_year(today, 50),
            "occasion": "special",
            **_levels(style_level="poor", political_level="average"),
            "style_text": "对群众急难愁盼问题推拖绕躲,多次被投诉",
            "conclusion": "建议调整",
            "social_circle": "与辖区物业公司负责人往来频繁,需进一步核实",
        },
    )
    services.record_adjustment(
        c,
        actor=SYSTEM,
        kind="unsuitable",
        decided_on=_in_year(today, 10),
        ground=_ground(GroundKind.UNSUITABLE, "nsnx.5.7"),
        method="transfer",
        facts="对职责范围内的网格事项敷衍塞责,群众反映强烈,经提醒谈话后仍未改正",
    )
    accountability = _ground(GroundKind.ACCOUNTABILITY, "wz.7.8")
    services.record_accountability(
        actor=SYSTEM,
        file=d,
        form="adjust",
        ground=accountability,
        decided_on=_in_year(today, 12),
        decided_by="中共长沙市岳麓区委",
        facts="履行监督管理职责不力,辖区发生较大安全事故",
    )
    services.record_accountability(
        actor=SYSTEM,
        file=e,
        form="admonish",
        ground=_ground(GroundKind.ACCOUNTABILITY, "wz.7.4"),
        decided_on=_in_year(today, 25),
        decided_by="中共长沙市岳麓区委组织部",
        facts="工作中形式主义问题突出,台账重留痕轻实效",
    )
    services.record_adjustment(
        f, actor=SYSTEM, kind="advance", decided_on=dt.date(today.year - 1, 9, 1), new_post="一级主任科员"
    )
    wrong = services.record_adjustment(f, actor=SYSTEM, kind="promote", decided_on=_in_year(today, 5))
    services.revoke_record("adjustment", wrong.pk, actor=SYSTEM, reason="录入错误:应为晋升职级,已另行登记")
    branch = Org.objects.filter(is_demo=True, kind="branch", host=d.org).first()
    if branch is not None:
        services.record_accountability(
            actor=SYSTEM,
            org=branch,
            form="check",
            ground=_ground(GroundKind.ACCOUNTABILITY, "wz.7.3"),
            decided_on=_in_year(today, 30),
            decided_by="中共长沙市岳麓区委",
            facts="基层党组织软弱涣散,组织生活不经常",
        )
