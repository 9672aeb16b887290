"""Demo 领导干部走流程: the walk list (the 区领导 ``lingdao``, a second 区领导 and four department
heads) and walks in every state, on any build day (dates counted back from the build day and kept
inside its year, states by rank, never by date):

* 何志远 (``lingdao``, 区委副书记): a walk whose two problems are both 销号 (a grid case closed, a
  task verified), a walk with open problems (a case being handled, a problem not yet handed on)
  and a draft begun today — two recorded walks: the yearly minimum of a 区领导 reached;
* a second 区领导 with one recorded walk and no problem found: below the yearly minimum;
* department heads with one or no walk: below their yearly minimum (the 督查室's list).

Through ``walks.services`` (and ``cases`` / ``workplan`` services for the handling); skips when
already built."""

from __future__ import annotations

import datetime as dt
import io
import time

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone
from PIL import Image

from cases import services as case_services
from cases.models import Case, Category
from core.actors import SYSTEM
from orgs.models import Org, Person
from walks import services
from walks.models import ChecklistItem, Leader, LeaderLevel, Walk
from workplan import services as wp
from workplan.models import Task

from .orgs import SUPERVISION_DEPT


class DemoWalksError(RuntimeError):
    pass


def _photo(name: str, color: tuple[int, int, int]) -> SimpleUploadedFile:
    out = io.BytesIO()
    image = Image.new("RGB", (640, 480), color)
    for x in range(0, 640, 40):  # a few stripes: not a flat colour
        for y in range(480):
            image.putpixel((x, y), (255, 255, 255))
    image.save(out, format="JPEG", quality=80)
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/jpeg")


def _unit(root: Org, name: str) -> Org:
    org = Org.objects.filter(
        is_demo=True, path__startswith=root.path, name=name, archived_at__isnull=True
    ).first()
    if org is None:
        raise DemoWalksError(f"演示区划中找不到“{name}”,请先运行 build_demo")
    return org


def _leaders(root: Org, today: dt.date) -> dict[str, Leader]:
    office = _unit(root, SUPERVISION_DEPT)
    since = dt.date(today.year - 1, 1, 1)
    rows: dict[str, Leader] = {}
    lingdao = Person.objects.filter(user__username="lingdao", is_demo=True).first()
    if lingdao is None:
        raise DemoWalksError("演示账号 lingdao 尚未生成,请先运行 build_demo")
    rows["lingdao"] = Leader.objects.create(
        person=lingdao,
        org=office,
        title="区委副书记",
        level=LeaderLevel.DISTRICT,
        active_from=since,
        is_demo=True,
    )
    deputy = Person.objects.create(name="邓立群", gender="F", org=office, is_demo=True, note="演示数据")
    rows["deputy"] = Leader.objects.create(
        person=deputy, org=office, title="副区长", level=LeaderLevel.DISTRICT, active_from=since, is_demo=True
    )
    heads = [
        ("区市场监督管理局", "唐国庆", "局长"),
        ("区数据资源局", "邹文斌", "局长"),
        ("区人力资源和社会保障局", "易春梅", "局长"),
        ("区住房和城乡建设局", "贺建平", "局长"),
    ]
    for name, person_name, title in heads:
        unit = _unit(root, name)
        person = Person.objects.create(name=person_name, gender="M", org=unit, is_demo=True, note="演示数据")
        rows[name] = Leader.objects.create(
            person=person,
            org=unit,
            title=title,
            level=LeaderLevel.DEPARTMENT,
            active_from=since,
            is_demo=True,
        )
    return rows


def _day(today: dt.date, days_ago: int) -> dt.date:
    """``days_ago`` before the build day, kept inside the build day's year (counts by year)."""
    return max(today - dt.timedelta(days=days_ago), dt.date(today.year, 1, 1))


def _walk(leader, today, days_ago, service, place, as_whom, steps, misses=(), problems=(), record=True):
    walk = services.create_walk(
        actor=SYSTEM,
        leader=leader,
        service=service,
        place=place,
        as_whom=as_whom,
        walked_on=_day(today, days_ago),
        summary="" if not record else "整体流程比较顺畅,个别环节还有改进空间。",
        is_demo=True,
    )
    for title, minutes, seen in steps:
        services.add_step(actor=SYSTEM, walk=walk, title=title, minutes=minutes, observation=seen)
    answers = {}
    for item in ChecklistItem.objects.filter(active=True):
        note = dict(misses).get(item.code, "")
        answers[item.pk] = (not note, note)
    if steps:
        services.answer_checklist(actor=SYSTEM, walk=walk, answers=answers)
    found = []
    for i, (text, color) in enumerate(problems):
        uploads = [_photo(f"problem{i}.jpg", color)] if color else []
        found.append(services.add_problem(actor=SYSTEM, walk=walk, description=text, uploads=uploads))
    if record:
        services.record_walk(actor=SYSTEM, walk=walk)
    return walk, found


def _close_case(case: Case) -> None:
    lead = case.assignments.get(role="lead")
    case_services.sign_assignment(lead, actor=SYSTEM)
    case_services.give_feedback(lead, actor=SYSTEM, text="已清理门前乱停车辆,增设隔离桩和引导标识")
    case_services.check_case(
        Case.objects.get(pk=case.pk), actor=SYSTEM, passed=True, note="现场核查已整改到位"
    )


def build_demo_walks(stdout=None) -> int:
    if Walk.objects.filter(is_demo=True).exists():
        if stdout:
            stdout.write("已有演示走流程记录,直接复用。\n")
        return 0
    from demo.orgs import find_demo_root

    root = find_demo_root()
    if root is None:
        raise DemoWalksError("尚未生成演示区划,请先运行 build_demo")
    started = time.monotonic()
    today = timezone.localdate()
    parking = Category.objects.filter(code="0503").first()
    light = Category.objects.filter(code="0102").first()
    if parking is None or light is None:
        raise DemoWalksError("网格事项分类未初始化(缺少 0503、0102)")
    with transaction.atomic():
        leaders = _leaders(root, today)
        urban = _unit(root, "区城市管理和综合执法局")
        data = _unit(root, "区数据资源局")
        market = _unit(root, "区市场监督管理局")
        street = (
            Org.objects.filter(is_demo=True, kind="street", path__startswith=root.path)
            .order_by("path")
            .first()
        )
        me = leaders["lingdao"]
        # 1. Both problems 销号: a grid case closed, a task verified.
        done, (p1, p2) = _walk(
            me,
            today,
            40,
            "办理不动产登记(二手房过户)",
            "区政务服务中心不动产登记窗口",
            "resident",
            [
                ("网上预约", 8, "预约页面要填写的信息较多,有两处与现场材料重复"),
                ("现场取号排队", 35, "上午仅开放两个窗口,等候人数二十余人"),
                ("窗口受理、缴税", 25, "税务、登记两个窗口之间需要来回走动"),
                ("领取不动产权证", 10, "当场领证"),
            ],
            misses=[("highest_efficiency", "排队35分钟,窗口开放不足")],
            problems=[
                ("政务服务中心门前人行道被车辆占用,办事群众只能绕行机动车道", (120, 120, 130)),
                ("高峰时段登记窗口开放不足,群众平均等候超过30分钟", (90, 110, 160)),
            ],
        )
        case = services.hand_to_case(
            actor=SYSTEM,
            problem=p1,
            category=parking,
            lead_unit=urban,
            area=street,
            instructions="请三日内整改",
        )
        _close_case(case)
        task = services.hand_to_task(
            actor=SYSTEM, problem=p2, lead_unit=data, deadline=today + dt.timedelta(days=30)
        )
        wp.report_progress(
            task,
            actor=SYSTEM,
            percent=100,
            done_text="高峰时段增开两个综合窗口,推行“一窗受理、集成服务”",
            complete=True,
            evidence=[("照片", _photo("evidence.jpg", (200, 200, 200)))],
        )
        wp.verify_completion(
            Task.objects.get(pk=task.pk), actor=SYSTEM, accept=True, note="经现场核验,已整改到位"
        )
        # 2. Problems open: a case being handled, one problem not yet handed on.
        _, (p3, _p4) = _walk(
            me,
            today,
            6,
            "开办企业(设立登记、刻章、申领发票)",
            "区政务服务中心企业开办专区",
            "enterprise",
            [
                ("网上申报设立登记", 30, "系统提示不清,经营范围选择困难"),
                ("现场领取营业执照", 15, ""),
                ("刻制印章", 40, "需另到刻章点,未实现一站办理"),
            ],
            misses=[("fewest_approvals", "刻章仍需单独跑一次"), ("online", "发票申领需到现场")],
            problems=[
                ("企业开办专区外指示路灯损坏,傍晚办事群众找不到入口", (60, 60, 80)),
                ("刻章未纳入企业开办“一件事”,仍需另跑一次", None),
            ],
        )
        services.hand_to_case(actor=SYSTEM, problem=p3, category=light, lead_unit=urban, area=street)
        # 3. A draft begun today.
        _walk(
            me,
            today,
            0,
            "新生儿出生“一件事”(落户、医保、社保卡)",
            "区政务服务中心综合窗口",
            "resident",
            [("网上提交出生医学证明", 12, "")],
            record=False,
        )
        # 4. A second 区领导: one walk, no problem found — below the yearly minimum.
        _walk(
            leaders["deputy"],
            today,
            20,
            "12345热线诉求(小区噪音投诉)",
            "区12345热线",
            "resident",
            [("拨打热线反映", 6, "接听及时"), ("等待回复", 2880, "两个工作日内回复")],
        )
        # 5. A department head: one walk, a problem handed to a task still being worked on.
        _, (p5,) = _walk(
            leaders["区市场监督管理局"],
            today,
            15,
            "食品经营许可办理",
            "区政务服务中心市场监管窗口",
            "agent",
            [("咨询", 10, "一次告知单与网上清单不一致"), ("提交材料", 20, "")],
            misses=[("materials", "告知单与网上清单不一致,需补交一次")],
            problems=[("食品经营许可一次性告知单与网上办事指南不一致", None)],
        )
        services.hand_to_task(
            actor=SYSTEM, problem=p5, lead_unit=market, deadline=today + dt.timedelta(days=20)
        )
        Walk.objects.filter(is_demo=False, leader__is_demo=True).update(is_demo=True)
        count = Walk.objects.filter(is_demo=True).count()
    if stdout:
        stdout.write(f"已生成演示走流程记录 {count} 条,用时 {time.monotonic() - started:.1f} 秒。\n")
    return count
