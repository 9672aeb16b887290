"""Demo organization life (演示组织生活): a year of 三会一课, 主题党日, 组织生活会 and the rest for every
branch of the demo district, with the gaps the compliance engine should find.

``build_demo_party()`` needs the demo district (``demo.orgs.build_demo``). Most branches keep to
the calendar; some skip months or a quarter's members' meeting, some hold a quarter's meetings in
its last fortnight (被动召开), a few copy another branch's minutes or last month's attendance list,
reuse a photo, or have members who stopped coming. Terms follow the 2021 village/community
elections (most re-elected in spring 2026, a few not), trainings add study hours.

Speed: rows are written with ``bulk_create`` (about ten thousand meetings and a hundred thousand
attendance rows in a few seconds). They hold exactly what ``services.record_meeting`` would
write — attendance of the members who should attend, study hours from the rule data, votes from
``services.tally``, MinHash bands from ``services.index_minutes``' functions — and one audit
event records the import. Seeded: two builds on the same day give the same data.
"""

from __future__ import annotations

import datetime as dt
import io
import random
import time
from collections import defaultdict
from decimal import Decimal

from dateutil.relativedelta import relativedelta
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from PIL import Image, ImageDraw

from audit.services import Subject, record
from core.actors import SYSTEM
from demo import orgs as orgs_demo
from demo.bulk import insert_rows
from orgs.models import Org, Position
from party import files
from party.life import services, similarity
from party.life import study as memberyear
from party.models import (
    Appraisal,
    AttachmentKind,
    Attendance,
    AttendanceStatus,
    Meeting,
    MeetingAttachment,
    MeetingKind,
    Member,
    MemberCategory,
    MemberStatus,
    MinutesBand,
    MinutesSignature,
    Rating,
    Resolution,
    ResolutionKind,
    Term,
    TrainingRecord,
)
from party.rules import Rules
from party.terms import services as term_services

SEED = 20261129 + 5
SHUJI_BRANCH = "湖东社区党支部"


class DemoPartyError(RuntimeError):
    pass


# ---------------------------------------------------------------------------------------------
# Texts

TOPICS = {
    MeetingKind.BRANCH_ASSEMBLY: [
        "研究{q}季度支部重点工作",
        "讨论发展党员和预备党员转正事项",
        "通报支部党费收缴和使用情况",
        "研究社区(单位)重大事项",
        "传达上级党委会议精神并部署落实",
    ],
    MeetingKind.COMMITTEE: [
        "研究{m}月份支部工作安排",
        "讨论主题党日活动方案",
        "研究党员教育管理工作",
        "分析党员思想动态",
        "研究困难党员走访慰问名单",
        "研究网格党建和为民办实事项目",
    ],
    MeetingKind.LECTURE: [
        "学习贯彻党的二十届四中全会精神",
        "坚定理想信念 践行初心使命",
        "以党建引领基层治理现代化",
        "学习《中国共产党纪律处分条例》",
        "弘扬伟大建党精神",
    ],
    MeetingKind.THEME_DAY: [
        "“我为群众办实事”志愿服务",
        "重温入党誓词",
        "垃圾分类宣传进楼栋",
        "走访慰问困难党员和老党员",
        "参观红色教育基地",
        "文明城市创建志愿服务",
        "防汛安全隐患排查",
        "反诈宣传进小区",
        "清理楼道堆积物",
        "邻里矛盾调解志愿服务",
    ],
    MeetingKind.LIFE_MEETING: ["{y}年度组织生活会"],
    MeetingKind.APPRAISAL: ["{y}年度民主评议党员"],
    MeetingKind.GROUP: ["党小组学习交流", "党小组收集群众意见", "党小组学习党章党规"],
}

OPENINGS = [
    "会议由{convener}主持,应到{expected}人,实到{present}人{absent_note}。",
    "{convener}主持会议。本次应到会党员{expected}名,实到{present}名{absent_note}。",
    "本次会议应到{expected}人、实到{present}人{absent_note},由{convener}同志主持。",
]
BODY = [
    "会上集中学习了{doc},{speaker}领学并结合{place}实际谈了体会。",
    "{speaker}通报了上月{issue}工作推进情况,指出存在的问题主要是{problem}。",
    "大家围绕{issue}展开讨论,{speaker}提出要把{action}作为下一步重点。",
    "党员{speaker}结合自身岗位谈认识,表示要在{issue}中亮身份、作表率。",
    "会议听取了网格党小组关于{issue}的情况汇报,逐项梳理了群众反映的{count}个问题。",
    "{speaker}介绍了{place}{issue}的具体做法,大家认为可以在全{unit}推广。",
    "与会党员对照{doc}查摆了{problem}等方面的不足,明确了整改时限。",
    "会议研究了{issue}的实施方案,明确由{speaker}牵头,{speaker2}配合。",
    "{speaker}通报了本{unit}困难党员和老党员走访情况,共走访{count}户。",
    "会议分析了近期党员思想动态,总体稳定,个别党员对{issue}有意见,需要做好解释。",
    "大家就{problem}的解决办法提出了{count}条建议,{speaker2}作了记录。",
    "{speaker2}汇报了{place}志愿服务队开展{issue}活动的情况,参与群众{count}余人次。",
    "会议强调,要把学习成果转化为推动{issue}的实际成效,防止学用脱节。",
    "{speaker}提出,{place}的{problem}问题群众意见较大,建议列入为民办实事清单。",
]
DOCS = [
    "党的二十届四中全会精神",
    "《中国共产党支部工作条例(试行)》",
    "习近平总书记关于基层治理的重要论述",
    "《中国共产党党员教育管理工作条例》",
    "《中国共产党纪律处分条例》",
    "省委关于加强城乡基层党建的意见",
    "市委全面从严治党工作部署",
]
ISSUES = [
    "垃圾分类",
    "老旧小区改造",
    "停车难治理",
    "独居老人关爱",
    "防汛备汛",
    "文明城市创建",
    "电动车充电安全",
    "物业服务提质",
    "邻里纠纷调解",
    "反诈宣传",
    "社区食堂运营",
    "青少年暑期托管",
    "就业帮扶",
    "消防通道清理",
]
PROBLEMS = [
    "宣传不够深入",
    "党员参与度不高",
    "工作台账不规范",
    "群众知晓率偏低",
    "部分楼栋推进缓慢",
    "资金保障不足",
    "志愿者队伍不稳定",
    "问题整改不够及时",
]
ACTIONS = ["入户走访", "建立问题清单", "党员包联楼栋", "开展专项整治", "完善工作台账", "组织志愿服务"]
PLACES = ["一网格", "二网格", "老小区", "新建小区", "沿街商铺", "社区服务中心", "活动室", "三组"]
DECISIONS = [
    "一、由{speaker}牵头落实{issue}工作,月底前报告进展。二、下月主题党日开展{action}活动。",
    "会议决定:1.成立{issue}党员志愿服务队;2.{speaker2}负责整理群众意见清单并跟踪办理。",
    "决定将{problem}问题列入支部整改清单,由支委分工负责,限期一个月内整改到位。",
    "同意{issue}实施方案;请{speaker}做好经费预算,报社区“两委”联席会议研究。",
]
ABSENCE_REASONS = ["外出务工", "生病住院", "单位值班", "在外地照顾家人", "年老体弱行动不便", "出差"]
TRAININGS = [
    ("岳麓区党员冬训集中培训", "区委组织部", (8, 16)),
    ("党员教育网络学院专题学习", "中共湖南省委组织部", (4, 12)),
    ("学习强国专题学习", "区委宣传部", (4, 10)),
    ("街道党工委党员轮训班", "街道党工委", (6, 12)),
]
SECRETARY_TRAINING = ("基层党组织书记示范培训班", "区委组织部", (16, 32))


def _fill(rng: random.Random, template: str, people: list[str], place: str, unit: str) -> str:
    speaker, speaker2 = (rng.sample(people, 2) if len(people) >= 2 else (people * 2)[:2]) or ("书记", "委员")
    return template.format(
        doc=rng.choice(DOCS),
        speaker=speaker,
        speaker2=speaker2,
        issue=rng.choice(ISSUES),
        problem=rng.choice(PROBLEMS),
        action=rng.choice(ACTIONS),
        place=place,
        unit=unit,
        count=rng.randint(3, 40),
    )


# ---------------------------------------------------------------------------------------------
# Photos


def _photo(rng: random.Random) -> bytes:
    """A distinct 'meeting photo': random shapes on a random background."""
    image = Image.new("RGB", (480, 320), tuple(rng.randint(60, 230) for _ in range(3)))
    draw = ImageDraw.Draw(image)
    for _ in range(14):
        x, y = rng.randint(0, 440), rng.randint(0, 280)
        w, h = rng.randint(20, 200), rng.randint(20, 160)
        colour = tuple(rng.randint(0, 255) for _ in range(3))
        if rng.random() < 0.5:
            draw.rectangle([x, y, x + w, y + h], fill=colour)
        else:
            draw.ellipse([x, y, x + w, y + h], fill=colour)
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=80)
    return out.getvalue()


# ---------------------------------------------------------------------------------------------
# The builder


class _Builder:
    def __init__(self, today: dt.date):
        self.today = today
        self.rng = random.Random(SEED)
        self.start = dt.date(today.year, today.month, 1) - relativedelta(months=12)
        self.rules = Rules.load(today)
        self.meetings: list[Meeting] = []
        self.attendance: dict[int, list[tuple[int, str, str]]] = {}  # index in self.meetings → rows
        self.votes: dict[int, list[dict]] = {}
        self.photos: list[tuple[int, bytes]] = []
        self.copies: list[tuple[int, int]] = []  # (source meeting index, copy meeting index)
        self.counter = 0

    # -- one meeting -----------------------------------------------------------------------------

    def meeting(
        self,
        org: Org,
        kind: str,
        day: dt.date,
        pool: list[Member],
        ctx: dict,
        *,
        thin=False,
        copy_attendance: list | None = None,
    ) -> int | None:
        rng = self.rng
        expected = [m for m in pool if m.joined_on <= day]
        if kind == MeetingKind.COMMITTEE:
            expected = [m for m in expected if m.person_id in ctx["committee"]]
        if not expected:
            return None
        if copy_attendance is not None:
            rows = list(copy_attendance)
        else:
            rows = []
            for m in expected:
                if m.pk in ctx["dropouts"] and day >= ctx["dropouts"][m.pk]:
                    rows.append((m.pk, AttendanceStatus.ABSENT, ""))
                    continue
                roll = rng.random()
                if roll < ctx["absence"]:
                    rows.append((m.pk, AttendanceStatus.LEAVE, rng.choice(ABSENCE_REASONS)))
                elif roll < ctx["absence"] * 1.4:
                    rows.append((m.pk, AttendanceStatus.ABSENT, ""))
                else:
                    rows.append((m.pk, AttendanceStatus.PRESENT, ""))
        present = sum(1 for _, s, _ in rows if s == AttendanceStatus.PRESENT)
        convener = ctx["secretary"]
        names = ctx["names"]
        topic = rng.choice(TOPICS[kind]).format(q=(day.month - 1) // 3 + 1, m=day.month, y=day.year - 1)
        if thin:
            minutes, decisions = f"学习了{rng.choice(DOCS)}。", ""
        else:
            absent = len(rows) - present
            note = f",{absent}人请假或缺席" if absent else ""
            lines = [
                rng.choice(OPENINGS).format(
                    convener=convener.name if convener else "支部委员",
                    expected=len(rows),
                    present=present,
                    absent_note=note,
                )
            ]
            lines += [
                _fill(rng, t, names, rng.choice(PLACES), ctx["unit"])
                for t in rng.sample(BODY, rng.randint(4, 6))
            ]
            minutes = "".join(lines)
            decisions = (
                _fill(rng, rng.choice(DECISIONS), names, rng.choice(PLACES), ctx["unit"])
                if kind in (MeetingKind.BRANCH_ASSEMBLY, MeetingKind.COMMITTEE, MeetingKind.LIFE_MEETING)
                else ""
            )
        entered = min(day + dt.timedelta(days=rng.randint(0, 4)), self.today)
        created = min(
            timezone.make_aware(dt.datetime.combine(entered, dt.time(18, 30))),
            timezone.now(),  # entered that evening, or by the moment of the build
        )
        meeting = Meeting(
            org=org,
            org_path=org.path,
            kind=kind,
            held_on=day,
            place=f"{ctx['unit_name']}党员活动室",
            convener=convener,
            topic=topic,
            minutes=minutes,
            decisions=decisions,
            study_hours=self.rules.get(f"study.credit.{kind}", org),
            recorded_by=None,
            is_demo=True,
            created_at=created,
            updated_at=created,
        )
        self.meetings.append(meeting)
        index = len(self.meetings) - 1
        self.attendance[index] = rows
        if kind == MeetingKind.BRANCH_ASSEMBLY and rng.random() < 0.3:
            voters = [m for m in expected if m.category == MemberCategory.FORMAL]
            voting_present = sum(
                1 for mid, s, _ in rows if s == AttendanceStatus.PRESENT and mid in {v.pk for v in voters}
            )
            if voting_present * 2 > len(voters):
                subject_kind = rng.choice([ResolutionKind.ADMISSION, ResolutionKind.FULL_MEMBERSHIP])
                label = (
                    "接收{}为预备党员" if subject_kind == ResolutionKind.ADMISSION else "{}按期转为正式党员"
                )
                result = services.tally(len(voters), voting_present, voting_present, 0, 0, self.rules)
                self.votes[index] = [
                    {
                        "kind": subject_kind,
                        "subject": label.format(rng.choice(names)),
                        "eligible": result.eligible,
                        "present": result.present,
                        "yes": result.yes,
                        "passed": result.passed,
                    }
                ]
        return index

    # -- one branch's year -----------------------------------------------------------------------

    def branch_year(self, branch: Org, profile: str, pool: list[Member], ctx: dict, groups: list[Org]):
        rng, today = self.rng, self.today
        month = self.start
        indices = []
        skip_quarter = rng.randrange(4) if profile == "gappy" else None
        bunched_quarter = rng.randrange(3) if profile == "bunched" else None
        while month <= today:
            month_end = month + relativedelta(months=1) - dt.timedelta(days=1)
            last_day = min(month_end, today)
            q_start = dt.date(month.year, 3 * ((month.month - 1) // 3) + 1, 1)
            q_end = q_start + relativedelta(months=3) - dt.timedelta(days=1)
            quarter_no = (q_start.year * 4 + (q_start.month - 1) // 3) - (
                self.start.year * 4 + (self.start.month - 1) // 3
            )
            bunch = bunched_quarter is not None and quarter_no == bunched_quarter and q_end <= today
            dormant = profile == "dormant" and month < today - relativedelta(months=3)

            def day_in(first, last, late=False, bunch=bunch, q_end=q_end):
                if bunch or late:
                    low = max(first, q_end - dt.timedelta(days=10))
                    return min(low + dt.timedelta(days=rng.randint(0, 9)), last)
                return first + dt.timedelta(days=rng.randint(0, max((last - first).days, 0)))

            thin = profile in ("gappy", "dormant") and rng.random() < 0.3
            if not dormant:
                indices += self._monthly(
                    branch, profile, pool, ctx, groups, month, last_day, q_end, bunch, thin, day_in
                )
            # Quarterly: in the quarter's last month (or now, for the running quarter).
            if month.month % 3 == 0 or (month.year, month.month) == (today.year, today.month):
                running = q_end > today
                if not dormant and not (running and rng.random() < 0.6):
                    if skip_quarter != quarter_no:
                        first = max(q_start, self.start)
                        day = day_in(first, min(q_end, today), late=False)
                        if bunch:
                            day = day_in(first, q_end)
                        indices.append(
                            self.meeting(branch, MeetingKind.BRANCH_ASSEMBLY, day, pool, ctx, thin=thin)
                        )
                    if not (profile == "gappy" and rng.random() < 0.4):
                        day = day_in(max(q_start, self.start), min(q_end, today))
                        indices.append(self.meeting(branch, MeetingKind.LECTURE, day, pool, ctx, thin=thin))
            # Yearly, in December: life meeting and appraisal (talks are in the talk log: ./talks.py).
            if (
                month.month == 12
                and month_end <= today
                and profile != "dormant"
                and not (profile == "gappy" and rng.random() < 0.5)
            ):
                day = dt.date(month.year, 12, rng.randint(10, 28))
                indices.append(self.meeting(branch, MeetingKind.LIFE_MEETING, day, pool, ctx))
                indices.append(self.meeting(branch, MeetingKind.APPRAISAL, day, pool, ctx))
            month += relativedelta(months=1)
        return [i for i in indices if i is not None]

    def _monthly(
        self, branch, profile, pool, ctx, groups, month, last_day, q_end, bunch, thin, day_in
    ) -> list[int | None]:
        """A month's theme day, committee meeting and group meetings (``branch_year``)."""
        rng = self.rng
        indices = []
        gap = profile == "gappy" and rng.random() < 0.22
        if not gap:
            theme = month + dt.timedelta(days=rng.randint(3, 22))
            if bunch:
                theme = day_in(month, q_end)
            if theme <= last_day or bunch:
                i = self.meeting(
                    branch,
                    MeetingKind.THEME_DAY,
                    min(theme, last_day if not bunch else q_end),
                    pool,
                    ctx,
                    thin=thin,
                )
                indices.append(i)
        if ctx["committee"] and not (profile == "gappy" and rng.random() < 0.25):
            day = day_in(month, last_day)
            indices.append(self.meeting(branch, MeetingKind.COMMITTEE, day, pool, ctx, thin=thin))
        for group in groups:
            if rng.random() < 0.9:
                indices.append(
                    self.meeting(group, MeetingKind.GROUP, day_in(month, last_day), pool, ctx, thin=thin)
                )
        return indices

    # -- formalism planted on purpose ------------------------------------------------------------

    def copy_minutes(self, source: int, target: int) -> None:
        """Target's minutes become a lightly edited copy of source's (names and one sentence)."""
        rng = self.rng
        src, dst = self.meetings[source], self.meetings[target]
        sentences = [s for s in src.minutes.split("。") if s]
        rng.shuffle(sentences)
        text = "。".join(sentences) + "。"
        if src.convener and dst.convener:
            text = text.replace(src.convener.name, dst.convener.name)
        dst.minutes = text.replace("大家", "与会党员", 1)
        dst.decisions = src.decisions
        dst.topic = src.topic
        self.copies.append((source, target))

    def save(self) -> dict[str, int]:
        for index, meeting in enumerate(self.meetings):  # the summary services.summarize_attendance keeps
            rows = self.attendance[index]
            meeting.attendance_expected = len(rows)
            meeting.attendance_present = sum(1 for _, status, _ in rows if status == AttendanceStatus.PRESENT)
            meeting.attendance_digest = services.attendance_digest(rows)
        Meeting.objects.bulk_create(self.meetings, batch_size=1000)
        # Attendance rows and band keys as plain rows (demo.bulk): nothing refers to them by id,
        # and building ~200,000 model instances was half of this builder's time.
        attendance, bands, signatures, votes = 0, [], [], []
        for index, meeting in enumerate(self.meetings):
            values = similarity.signature(meeting.minutes)
            if values is not None:
                signatures.append(
                    MinutesSignature(
                        meeting=meeting,
                        values=similarity.to_bytes(values),
                        length=len(similarity.normalize(meeting.minutes)),
                    )
                )
                bands.extend((meeting.pk, b, k) for b, k in enumerate(similarity.band_keys(values)))
            for vote in self.votes.get(index, []):
                votes.append(
                    Resolution(
                        meeting=meeting,
                        org_id=meeting.org_id,
                        org_path=meeting.org_path,
                        kind=vote["kind"],
                        subject=vote["subject"],
                        eligible=vote["eligible"],
                        present=vote["present"],
                        yes=vote["yes"],
                        no=0,
                        abstain=0,
                        passed=vote["passed"],
                        created_at=meeting.created_at,
                    )
                )
        attendance = insert_rows(
            Attendance,
            ("meeting_id", "member_id", "org_id", "org_path", "status", "reason", "held_on"),
            (
                (meeting.pk, member_id, meeting.org_id, meeting.org_path, status, reason, meeting.held_on)
                for index, meeting in enumerate(self.meetings)
                for member_id, status, reason in self.attendance[index]
            ),
        )
        memberyear.rebuild()  # what services.summarize_attendance keeps, for the rows above
        MinutesSignature.objects.bulk_create(signatures, batch_size=2000)
        insert_rows(MinutesBand, ("meeting_id", "band", "key"), bands, batch_size=10000)
        services.rebuild_matches([m.pk for m in self.meetings])
        Resolution.objects.bulk_create(votes, batch_size=1000)
        # 民主评议: a rating per member at most appraisal meetings; every ninth is left unrated (a
        # finding) — excellent for about one in seven, a 基本合格 with its reason now and then.
        ratings = []
        for index, meeting in enumerate(self.meetings):
            if meeting.kind != MeetingKind.APPRAISAL or meeting.pk % 9 == 0:
                continue
            for member_id, _status, _reason in self.attendance[index]:
                rating, note = Rating.QUALIFIED, ""
                if member_id % 7 == 0:
                    rating = Rating.EXCELLENT
                elif member_id % 53 == 0:
                    rating, note = Rating.BASIC, "参加组织生活不够经常,发挥作用不够明显"
                org, created = (meeting.org_id, meeting.org_path), meeting.created_at
                ratings.append((meeting.pk, member_id, *org, rating, note, created))
        columns = ("meeting_id", "member_id", "org_id", "org_path", "rating", "note", "created_at")
        insert_rows(Appraisal, columns, ratings)
        for index, data in self.photos:
            meeting = self.meetings[index]
            image = Image.open(io.BytesIO(data))
            attachment = MeetingAttachment(
                meeting=meeting,
                org_id=meeting.org_id,
                org_path=meeting.org_path,
                kind=AttachmentKind.PHOTO,
                name=f"{meeting.held_on:%Y%m%d}活动照片.jpg",
                size=len(data),
                created_at=meeting.created_at,
            )
            attachment.set_phash(files.photo_hash(image))
            attachment.file.save("photo.jpg", ContentFile(data), save=False)
            attachment.save()
        return {"meetings": len(self.meetings), "attendance": attendance, "resolutions": len(votes)}


def _terms(
    branches: list[Org], others: list[Org], rng: random.Random, today: dt.date, rules: Rules
) -> list[Term]:
    terms = []
    for org in branches + others:
        years = term_services.term_years(org, rules)
        host = org.host
        if host is not None and host.kind in ("community", "village"):
            first = dt.date(2021, 3, rng.randint(1, 28))
            terms.append(
                Term(
                    org=org,
                    org_path=org.path,
                    started_on=first,
                    ends_on=first + relativedelta(years=years),
                    note="2021年村(社区)“两委”换届",
                    is_demo=True,
                )
            )
            if rng.random() < 0.9:  # re-elected in the 2026 round; the rest are overdue
                again = dt.date(2026, rng.randint(3, 5), rng.randint(1, 28))
                if again <= today:
                    terms.append(
                        Term(
                            org=org,
                            org_path=org.path,
                            started_on=again,
                            ends_on=again + relativedelta(years=years),
                            note="2026年换届",
                            is_demo=True,
                        )
                    )
        else:
            start = today - relativedelta(years=years) + dt.timedelta(days=rng.randint(-60, 900))
            if rng.random() < 0.05:
                continue  # never recorded
            terms.append(
                Term(
                    org=org,
                    org_path=org.path,
                    started_on=start,
                    ends_on=start + relativedelta(years=years),
                    note="换届选举",
                    is_demo=True,
                )
            )
    return terms


def build_demo_party(stdout=None) -> dict[str, int]:
    started = time.monotonic()
    if Meeting.objects.filter(is_demo=True).exists():
        if stdout:
            stdout.write("已有演示组织生活记录,直接复用。\n")
        return {}
    root = orgs_demo.find_demo_root()
    if root is None:
        raise DemoPartyError("请先运行 build_demo 生成演示区划")
    today = timezone.localdate()
    with transaction.atomic():
        counts = _build(today)
        record(
            Subject("party.demo", "yuelu", label="岳麓区演示组织生活", scope_path=root.path),
            services.DEMO_LOADED,
            actor=SYSTEM,
            after=counts,
            reason="演示数据",
        )
    counts["seconds"] = round(time.monotonic() - started, 1)
    if stdout:
        stdout.write(
            f"演示组织生活:{counts['meetings']} 次会议、{counts['attendance']} 条出席记录、"
            f"{counts['trainings']} 条培训学时、{counts['terms']} 条换届记录,"
            f"用时 {counts['seconds']} 秒。\n"
        )
    return counts


def _build(today: dt.date) -> dict[str, int]:
    b = _Builder(today)
    rng = b.rng
    party_orgs, branches, groups_of, members_of, posts = _load(today)
    shuji_branch = next((o for o in branches if o.short_name == SHUJI_BRANCH), None)
    plan, profiles = _plan(b, branches, groups_of, members_of, posts, shuji_branch)
    # shuji's branch: the members' meeting of the last complete quarter is missing (so recording it
    # resolves a finding), one member stopped coming.
    dropped = _shuji_dropped(b, plan, shuji_branch)
    _plant_copies(b, plan, profiles)
    _plant_photos(b)
    _drop(b, dropped)
    counts = b.save()
    # Trainings.
    trainings = _trainings(rng, branches, members_of, posts, plan, today)
    TrainingRecord.objects.bulk_create(trainings, batch_size=5000)
    others = [o for o in party_orgs if o.kind in ("general_branch", "party_committee") and o.depth > 1]
    terms = _terms(branches, others, rng, today, b.rules)
    Term.objects.bulk_create(terms, batch_size=2000)
    counts.update(trainings=len(trainings), terms=len(terms), copies=len(b.copies))
    # Transfers, floating members, dues and care visits (党员管理).
    from . import membership as membership_demo

    counts.update(membership_demo.build(branches, members_of, shuji_branch, rng, today))
    # Elections and secretary appointments awaiting approval (换届选举、书记报批).
    from . import terms as terms_demo

    counts.update(terms_demo.build(branches, shuji_branch, rng, today))
    # 谈心谈话 (talk log): ``build_demo_talks``, after member development has admitted its members.
    return counts


def _load(today: dt.date):
    """The demo's party organizations, its branches (by path), each branch's groups, members in
    good standing and current committee posts."""
    party_orgs = list(
        Org.objects.filter(
            is_demo=True, kind__in=("branch", "general_branch", "party_committee", "group")
        ).select_related("host")
    )
    branches = sorted((o for o in party_orgs if o.kind == "branch"), key=lambda o: o.path)
    groups_of: dict[str, list[Org]] = defaultdict(list)
    for o in party_orgs:
        if o.kind == "group":
            groups_of[o.path[: -Org.steplen]].append(o)
    members_of: dict[int, list[Member]] = defaultdict(list)
    for m in Member.objects.filter(org__in=branches, status=MemberStatus.NORMAL).select_related("person"):
        members_of[m.org_id].append(m)
    posts: dict[int, dict] = defaultdict(lambda: {"secretary": None, "committee": set()})
    for p in (
        Position.objects.current(today)
        .filter(org__in=branches, kind__in=services.COMMITTEE_POSTS)
        .select_related("person")
    ):
        posts[p.org_id]["committee"].add(p.person_id)
        if p.kind == "secretary":
            posts[p.org_id]["secretary"] = p.person
    return party_orgs, branches, groups_of, members_of, posts


def _plan(b: _Builder, branches, groups_of, members_of, posts, shuji_branch) -> tuple[dict, dict]:
    """Each branch's profile (good, gappy, bunched, dormant), dropouts and year of meetings."""
    rng, today = b.rng, b.today
    plan: dict[int, list[int]] = {}
    profiles = {}
    for branch in branches:
        pool = members_of.get(branch.pk, [])
        if not pool:
            continue
        roll = rng.random()
        profile = (
            "good" if roll < 0.66 else "gappy" if roll < 0.86 else "bunched" if roll < 0.96 else "dormant"
        )
        if branch == shuji_branch:
            profile = "good"
        profiles[branch.pk] = profile
        dropouts = {}
        for m in pool:
            r = rng.random()
            if r < 0.015:
                dropouts[m.pk] = b.start  # never comes: the 6-month flag
            elif r < 0.04:
                dropouts[m.pk] = today - relativedelta(months=rng.randint(3, 5))
        host = branch.host
        ctx = {
            "committee": posts[branch.pk]["committee"],
            "secretary": posts[branch.pk]["secretary"],
            "names": [m.person.name for m in pool[:12]],
            "unit": "社区"
            if host and host.kind == "community"
            else "村"
            if host and host.kind == "village"
            else "单位",
            "unit_name": host.name if host else branch.short_name,
            "absence": rng.uniform(0.02, 0.07) if profile != "dormant" else 0.3,
            "dropouts": dropouts,
        }
        plan[branch.pk] = b.branch_year(branch, profile, pool, ctx, groups_of.get(branch.path, []))
    return plan, profiles


def _shuji_dropped(b: _Builder, plan: dict, shuji_branch: Org | None) -> set[int]:
    today = b.today
    dropped: set[int] = set()
    if shuji_branch is not None and shuji_branch.pk in plan:
        q_start = dt.date(today.year, 3 * ((today.month - 1) // 3) + 1, 1) - relativedelta(months=3)
        q_end = q_start + relativedelta(months=3) - dt.timedelta(days=1)
        for i in list(plan[shuji_branch.pk]):
            m = b.meetings[i]
            if m.kind == MeetingKind.BRANCH_ASSEMBLY and q_start <= m.held_on <= q_end:
                dropped.add(i)
    return dropped


def _plant_copies(b: _Builder, plan: dict, profiles: dict) -> None:
    """Copied minutes across streets and within a branch, copied attendance lists."""
    rng = b.rng
    # Copied minutes: four branches copy a meeting of another street's branch.
    candidates = [
        i for i, m in enumerate(b.meetings) if m.kind == MeetingKind.THEME_DAY and len(m.minutes) > 120
    ]
    for _ in range(4):
        source, target = rng.sample(candidates, 2)
        if b.meetings[source].org_path[:8] != b.meetings[target].org_path[:8]:
            if b.meetings[source].held_on > b.meetings[target].held_on:
                source, target = target, source
            b.copy_minutes(source, target)
    # Within one branch: this year's lecture minutes reuse last year's.
    for branch_id in rng.sample(sorted(plan), 2):
        lectures = sorted(
            (i for i in plan[branch_id] if b.meetings[i].kind == MeetingKind.LECTURE),
            key=lambda i: b.meetings[i].held_on,
        )
        if len(lectures) >= 2:
            b.copy_minutes(lectures[0], lectures[-1])
    # Copied attendance lists: four consecutive theme days with the same absentees and reasons.
    for branch_id in rng.sample([k for k, v in profiles.items() if v == "good"], 3):
        themes = sorted(
            (i for i in plan[branch_id] if b.meetings[i].kind == MeetingKind.THEME_DAY),
            key=lambda i: b.meetings[i].held_on,
        )[-5:-1]
        if len(themes) == 4:
            first = b.attendance[themes[0]]
            if all(s == AttendanceStatus.PRESENT for _, s, _ in first) and first:
                first = [(first[0][0], AttendanceStatus.LEAVE, "外出务工")] + first[1:]
                b.attendance[themes[0]] = first
            for i in themes[1:]:
                b.attendance[i] = list(first)


def _plant_photos(b: _Builder) -> None:
    rng = b.rng
    # Photos: thirty meetings with a photo; two photos reused at a later meeting of another branch.
    with_photo = rng.sample([i for i, m in enumerate(b.meetings) if m.kind == MeetingKind.THEME_DAY], 30)
    pictures = {i: _photo(rng) for i in with_photo}
    b.photos = list(pictures.items())
    # Two photos reused at a later meeting of another branch — the later meetings chosen in the last
    # quarter before the build day, so the finding (会议照片重复使用) shows on the dashboard on any day.
    quarter_start = dt.date(b.today.year, 3 * ((b.today.month - 1) // 3) + 1, 1)
    recent = dt.date(quarter_start.year, quarter_start.month, 1) - relativedelta(months=3)
    by_day = sorted(with_photo, key=lambda i: (b.meetings[i].held_on, i))
    targets = [j for j in by_day if recent <= b.meetings[j].held_on < b.today][-2:] or by_day[-2:]
    for target in targets:
        sources = [
            i
            for i in by_day
            if i not in targets
            and b.meetings[i].held_on < b.meetings[target].held_on
            and b.meetings[i].org != b.meetings[target].org
        ]
        if sources:
            b.photos.append((target, pictures[rng.choice(sources[:10])]))


def _drop(b: _Builder, dropped: set[int]) -> None:
    # Drop the meetings removed above, keeping indices consistent.
    keep = [i for i in range(len(b.meetings)) if i not in dropped]
    remap = {old: new for new, old in enumerate(keep)}
    b.meetings = [b.meetings[i] for i in keep]
    b.attendance = {remap[i]: rows for i, rows in b.attendance.items() if i in remap}
    b.votes = {remap[i]: v for i, v in b.votes.items() if i in remap}
    b.photos = [(remap[i], data) for i, data in b.photos if i in remap]
    for m in b.meetings:
        m.org_path = m.org.path


def _trainings(rng: random.Random, branches, members_of, posts, plan, today: dt.date) -> list[TrainingRecord]:
    trainings = []
    secretaries = {p["secretary"].pk for p in posts.values() if p["secretary"] is not None}
    for branch_id, pool in members_of.items():
        if branch_id not in plan:
            continue
        branch = next(o for o in branches if o.pk == branch_id)
        for m in pool:
            if m.person_id in secretaries:
                title, organizer, (low, high) = SECRETARY_TRAINING
                trainings.append(
                    TrainingRecord(
                        member=m,
                        org=branch,
                        org_path=branch.path,
                        title=title,
                        organizer=organizer,
                        started_on=dt.date(today.year, rng.randint(3, 10), rng.randint(1, 28)),
                        hours=Decimal(rng.randint(low, high)),
                        is_demo=True,
                    )
                )
            for _ in range(rng.choice([0, 1, 1, 2, 2, 3])):
                title, organizer, (low, high) = rng.choice(TRAININGS)
                day = dt.date(today.year, 1, 1) + dt.timedelta(
                    days=rng.randint(0, (today - dt.date(today.year, 1, 1)).days)
                )
                trainings.append(
                    TrainingRecord(
                        member=m,
                        org=branch,
                        org_path=branch.path,
                        title=title,
                        organizer=organizer,
                        started_on=day,
                        hours=Decimal(rng.randint(low, high)),
                        is_demo=True,
                    )
                )
    return trainings


def build_demo_talks(stdout=None) -> int:
    """The talk log (谈心谈话) of every demo branch, or reuse it. Runs after the elections (which
    change committees) and after member development (whose admissions join shuji's branch), so
    shuji's branch misses exactly one committee pair and two members this year."""
    from party.talks.models import Talk

    from . import talks as talks_demo

    if Talk.objects.filter(is_demo=True).exists():
        return 0
    branches = list(Org.objects.filter(is_demo=True, kind="branch").select_related("host").order_by("path"))
    shuji_branch = next((b for b in branches if b.short_name == SHUJI_BRANCH), None)
    with transaction.atomic():
        n = talks_demo.build(branches, shuji_branch, timezone.localdate())["talks"]
    if stdout:
        stdout.write(f"演示谈心谈话:{n} 条。\n")
    return n
