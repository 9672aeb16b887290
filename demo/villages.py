"""Demo 四议两公开: three to four decisions per demo village in every state — done (result
published), disclosed and being implemented, resolved but not yet published (some overdue), still
under deliberation — a few with a late or short disclosure. Through ``villages.services``; skips
when already built."""

from __future__ import annotations

import datetime as dt
import random
import time

from django.db import transaction
from django.utils import timezone

from core.actors import SYSTEM
from orgs.models import Org
from orgs.scoping import subtree_q
from party.models import Member, MemberStatus
from villages import services
from villages.models import Decision, Representative, StepKind, VillagersBody

from .names import CHINESE_ORDINALS, GIVEN_NAMES, SURNAMES

SEED = 20261129 + 7
MATTERS = [
    (
        "project",
        "{v}村组道路硬化工程",
        "对村内{n}条组级道路约{k}公里进行硬化,预算{m}万元,资金来源为上级补助和村集体收入。",
    ),
    ("assets", "{v}村集体厂房对外出租", "村集体闲置厂房约{k}00平方米公开招租,租期{n}年,底价每年{m}万元。"),
    (
        "land",
        "{v}村土地经营权流转方案",
        "将{n}个村民小组约{k}0亩承包地经营权统一流转给合作社,流转费每亩每年{m}00元。",
    ),
    (
        "budget",
        "{v}村年度集体收入使用计划",
        "年度集体收入{m}万元,其中公益事业{k}0%、村级运转、困难群众帮扶等。",
    ),
    (
        "subsidy",
        "{v}村困难群众临时救助名额分配",
        "按户评议确定{n}户临时救助对象,救助标准按镇有关规定执行(公开时不含个人信息)。",
    ),
    ("project", "{v}村人居环境整治项目", "新建垃圾收集点{n}处、改造沟渠{k}公里,预算{m}万元。"),
]


def _members(village: Org) -> int:
    party = list(Org.objects.filter(host=village, kind__in=("branch", "general_branch", "party_committee")))
    if not party:
        return 9
    q = subtree_q("org_path", party[0].path)
    return max(Member.objects.filter(q, status=MemberStatus.NORMAL, category="formal").count(), 5)


def _advance(
    decision, upto: int, start: dt.date, rng, members: int, households: int, *, late=False, short=False
):
    day = start
    reps = max(households // 10, 25)
    for index in range(decision.done_steps, upto):
        kind = [
            StepKind.PROPOSAL,
            StepKind.CONSULTATION,
            StepKind.MEMBERS_REVIEW,
            StepKind.VILLAGERS_RESOLUTION,
            StepKind.RESOLUTION_DISCLOSURE,
            StepKind.RESULT_DISCLOSURE,
        ][index]
        gap = rng.randint(2, 5)
        if kind == StepKind.RESOLUTION_DISCLOSURE:
            gap = 9 if late else rng.randint(1, 3)
        if kind == StepKind.RESULT_DISCLOSURE:
            gap = rng.randint(40, 90)
        day = day + dt.timedelta(days=gap)
        if day > timezone.localdate():
            break
        kw = {}
        # 应到 from the rosters where the demo has them (villages.services.roster), else typed.
        body = VillagersBody.REPRESENTATIVES if kind == StepKind.VILLAGERS_RESOLUTION else ""
        on_roster = len(services.roster(decision.org, kind, body, day) or ())
        if kind == StepKind.CONSULTATION:
            n = on_roster or 7
            yes = max(n - 1, n // 2 + 1)
            kw["votes"] = {"expected": n, "present": n, "yes": yes, "abstain": n - yes}
            kw["minutes"] = (
                "村党组织和村民委员会联席会议讨论初步方案,对预算和实施方式提出修改意见,表决同意提交党员大会审议。"
            )
        elif kind == StepKind.MEMBERS_REVIEW:
            n = on_roster or members
            present = n - rng.randint(0, max(n // 4, 1))
            while present * 3 < n * 2:  # the 党员大会 quorum (two thirds)
                present += 1
            yes = present - 1 if (present - 1) * 2 > n else present
            kw["votes"] = {"expected": n, "present": present, "yes": yes, "no": present - yes}
            kw["minutes"] = "会前3天将方案送达党员。党员大会审议方案,会后党员分片向群众宣传解释。"
        elif kind == StepKind.VILLAGERS_RESOLUTION:
            n = on_roster or reps
            present = n - rng.randint(0, n // 5)
            kw["villagers_body"] = VillagersBody.REPRESENTATIVES
            kw["votes"] = {"expected": n, "present": present, "yes": present - 2, "no": 1, "abstain": 1}
            kw["minutes"] = "村民委员会召集,村党组织书记主持,村民代表会议对方案进行表决。"
        else:
            kw["channel"] = "村务公开栏、村民微信群"
            kw["disclose_to"] = day + dt.timedelta(days=4 if short else 9)
            if kind == StepKind.RESULT_DISCLOSURE:
                kw["result"] = "项目已按方案实施完成,经村务监督委员会验收合格,资金使用情况已张榜公布。"
        services.record_step(actor=SYSTEM, decision=decision, kind=kind, held_on=day, **kw)
        decision.refresh_from_db()
    return decision


def build_demo_villages(stdout=None) -> int:
    if Decision.objects.filter(is_demo=True).exists():
        if stdout:
            stdout.write("已有演示四议两公开事项,直接复用。\n")
        return 0
    started = time.monotonic()
    rng = random.Random(SEED)
    today = timezone.localdate()
    villages = list(
        Org.objects.filter(is_demo=True, kind="village", archived_at__isnull=True).order_by("path")
    )
    count = 0
    with transaction.atomic():
        for i, village in enumerate(villages):
            members = _members(village)
            households = village.households or 400
            if i % 4 != 3:  # every fourth village has no 村民代表名册 yet: 应到 as entered
                _representatives(village, max(households // 10, 25), random.Random(SEED * 31 + i))
            plan = [(6, 150), (5, 40), (4 if i % 3 == 0 else 3, 8 if i % 3 == 0 else 6)]
            if i % 4 == 0:
                plan.append((2, 5))
            for j, (upto, days_ago) in enumerate(plan):
                kind, title, text = MATTERS[(i + j) % len(MATTERS)]
                fill = {
                    "v": village.name.removesuffix("村"),
                    "n": rng.randint(2, 6),
                    "k": rng.randint(2, 9),
                    "m": rng.randint(10, 90),
                }
                start = today - dt.timedelta(days=days_ago + rng.randint(0, 20))
                decision = services.propose_decision(
                    actor=SYSTEM,
                    village=village,
                    title=title.format(**fill),
                    matter=kind,
                    summary=text.format(**fill),
                    held_on=start,
                    minutes="村党组织广泛征求党员、村民代表和群众意见,研究提出初步方案。",
                    is_demo=True,
                )
                _advance(
                    decision,
                    upto,
                    start,
                    rng,
                    members,
                    households,
                    late=(i % 5 == 1 and j == 0),
                    short=(i % 7 == 2 and j == 1),
                )
                count += 1
        photos = _demo_photos(villages[:4], rng)
    if stdout:
        stdout.write(
            f"演示四议两公开:{len(villages)} 个村、{count} 个事项、{photos} 张照片,"
            f"用时 {time.monotonic() - started:.1f} 秒。\n"
        )
    return count


def _representatives(village: Org, count: int, rng: random.Random) -> None:
    """The village's 村民代表名册 (``Representative``): the 应到 of its 村民代表会议."""
    surnames = list(SURNAMES)
    given = GIVEN_NAMES[("old", "M")] + GIVEN_NAMES[("old", "F")]
    Representative.objects.bulk_create(
        [
            Representative(
                org=village,
                org_path=village.path,
                name=rng.choice(surnames) + rng.choice(given),
                group=f"第{CHINESE_ORDINALS[k % len(CHINESE_ORDINALS)]}村民小组",
            )
            for k in range(count)
        ]
    )


def _scene(rng: random.Random, label: str) -> bytes:
    """A made-up site photo (sky, ground, a building or a road) as JPEG bytes."""
    import io

    from PIL import Image, ImageDraw

    image = Image.new("RGB", (640, 480), (150 + rng.randint(0, 60), 190, 230))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 300, 640, 480), fill=(90 + rng.randint(0, 40), 140, 80))
    if label == "result":
        draw.polygon([(260, 480), (380, 480), (330, 300), (310, 300)], fill=(120, 120, 120))
    else:
        x = rng.randint(60, 360)
        draw.rectangle((x, 200, x + 200, 320), fill=(210, 200, 180))
        draw.polygon([(x - 10, 200), (x + 100, 140), (x + 210, 200)], fill=(160, 60, 50))
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=80)
    return out.getvalue()


def _demo_photos(villages, rng: random.Random) -> int:
    """Photos on published items of a few villages: the site, and the result once implemented."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from villages.models import DecisionStatus

    count = 0
    for village in villages:
        for decision in Decision.objects.filter(
            org=village, status__in=(DecisionStatus.DISCLOSED, DecisionStatus.DONE)
        ):
            stages = [("item", "实施前现场")]
            if decision.status == DecisionStatus.DONE:
                stages.append(("result", "实施完成后现场"))
            for stage, caption in stages:
                upload = SimpleUploadedFile("scene.jpg", _scene(rng, stage), content_type="image/jpeg")
                count += len(
                    services.add_photos(
                        actor=SYSTEM, decision=decision, uploads=[upload], stage=stage, caption=caption
                    )
                )
    return count


def link_demo_tasks(stdout=None) -> int:
    """Hand a few published demo decisions to active demo key tasks (实施任务) and send the
    disclosure reminders due today; runs after the workplan demo exists."""
    from villages import reminders
    from villages.models import DecisionStatus
    from workplan.models import Plan, Task, TaskState

    linked = 0
    tasks = list(
        Task.objects.filter(
            plan__in=Plan.objects.filter(is_demo=True), state=TaskState.ACTIVE, parent__isnull=False
        ).order_by("deadline", "pk")[:3]
    )
    pending = Decision.objects.filter(
        is_demo=True, status=DecisionStatus.DISCLOSED, task__isnull=True
    ).order_by("org_path", "pk")
    if tasks and not Decision.objects.filter(is_demo=True, task__isnull=False).exists():
        with transaction.atomic():
            for decision, task in zip(pending[: len(tasks)], tasks, strict=False):
                services.link_task(actor=SYSTEM, decision=decision, task=task)
                linked += 1
    report = reminders.run()
    if stdout:
        stdout.write(
            f"演示四议两公开:关联实施任务 {linked} 个;公开提醒 {report.due} 条到期、{report.late} 条逾期。\n"
        )
    return linked
