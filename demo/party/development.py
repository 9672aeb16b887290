"""Demo member development (演示发展党员): applicants at every stage in shuji's branch (湖东社区党支部)
and a few other branches, some with a step due soon, some overdue, one talk held later than the
one-month limit (a deviation with its rule), and the street committee's annual plan exceeded by
admissions clustered in one month (突击发展). Everything goes through ``party.development.services``'s
services, so the demo shows exactly what the rules produce. Skips when already built."""

from __future__ import annotations

import datetime as dt
import random

from dateutil.relativedelta import relativedelta
from django.db import transaction
from django.utils import timezone

from core.actors import SYSTEM
from orgs.models import Org
from party.development import services as development_services
from party.development import steps as development_steps
from party.development.models import Applicant
from party.life import services
from party.models import MeetingKind, Member, MemberCategory, MemberStatus

from .life import SHUJI_BRANCH

SEED = 20261129 + 6
PLACES = [
    "社区党群服务中心二楼会议室",
    "社区新时代文明实践站",
    "支部活动室",
    "小区红色驿站",
    "社区综治中心会议室",
]
JOBS = [
    ("社区网格员", "入户走访、矛盾调解和疫情防控志愿服务"),
    ("小区物业项目经理", "老旧小区加装电梯协调和楼道杂物清理"),
    ("辖区小学教师", "课后托管和留守儿童结对帮扶"),
    ("社区卫生服务中心护士", "独居老人上门随访和健康义诊"),
    ("个体工商户", "带头规范门前三包、参与夜市秩序劝导"),
    ("退役军人", "组织退役军人志愿服务队参加防汛值守"),
    ("快递站点负责人", "发动快递小哥参与“随手拍”上报安全隐患"),
    ("社区志愿服务队队长", "组织周末环境整治和垃圾分类督导"),
    ("物流公司调度员", "利用业余时间参加社区平安巡逻"),
    ("社区养老服务站工作人员", "为高龄老人代购代办、陪同就医"),
]
REPORTS = [
    "支部委员会报告了{name}的培养考察情况:{applied}递交入党申请书,{activist}被确定为入党积极分子,"
    "经过一年以上培养教育,{candidate}列为发展对象,政治审查结论合格,参加集中培训考试合格,"
    "公示期间未收到反映意见,支委会审查认为已具备党员条件。",
    "组织委员代表支委会介绍:{name}自{applied}提出入党申请以来,思想汇报按季度上交,"
    "培养联系人定期谈话,{candidate}经党员推荐、群众推荐列为发展对象,政审、培训、公示各环节均已完成,"
    "材料齐全,支委会同意提交本次大会讨论。",
    "支部书记通报了对{name}的审查意见:入党动机端正,培养期间表现稳定,{activist}起列为入党积极分子,"
    "政治审查由上级党委组织员参与,结论为合格;公示五个工作日无异议,支委会一致同意提请大会表决。",
    "支委会向大会报告:{name}的入党申请书、思想汇报、培养考察登记表、政审材料和培训结业证书已审查,"
    "{candidate}确定为发展对象后又经一个阶段考察,群众评价较好,符合发展条件。",
]
INTRODUCERS = [
    "入党介绍人{a}介绍:{name}现为{job},平时{deed},工作中能吃苦,遇事愿意向组织汇报思想。",
    "入党介绍人{a}、{b}分别发言,{a}谈到{name}担任{job}以来{deed},{b}补充了其在邻里中的口碑。",
    "两名入党介绍人{a}、{b}介绍了对{name}的了解:{deed}有实际成效,缺点是理论学习系统性还不够。",
    "{a}作为入党介绍人,结合平时谈心谈话情况介绍{name}:作为{job},{deed},愿意接受组织考验。",
]
SELF = [
    "{name}本人汇报了对党的认识和入党动机,表示将继续做好{job}工作,自觉接受党员群众监督。",
    "{name}谈了参加集中培训的体会,说明了自身不足,表示入党后在{short}方面发挥带头作用。",
    "{name}作了简短表态:感谢组织培养,今后在{short}中从小事做起,按时参加组织生活。",
    "{name}汇报了近期思想和工作情况,重点谈了参与{short}中的收获,请党员们提出批评。",
]
SPEECHES = [
    "同{them}在一个楼栋住,防汛期间连续几晚值守,大家都看在眼里,同意接收。",
    "{them}参加志愿服务很积极,希望以后多学习党的理论,不要只满足于干好具体事务。",
    "我和{them}一起参加过网格走访,做群众工作有耐心,建议今后注意工作方法,多听老党员意见。",
    "{them}的思想汇报写得比较实在,但对党章的理解还需加深,希望预备期内加强学习。",
    "平时在社区活动中常见到{them},主动帮助行动不便的老人,这一点值得肯定。",
    "{them}工作忙,有时组织活动参加不够准时,希望入党后合理安排时间。",
    "听了介绍和本人汇报,{them}的入党动机是端正的,同意支委会意见。",
    "建议{them}在业务工作之外多参与社区议事协商,锻炼做群众工作的本领。",
    "{them}对群众反映的问题能及时上报网格,处理结果也会回访,同意发展。",
    "作为老党员提一点希望:{them}年轻,有干劲,也要注意谦虚谨慎,多向身边党员学习。",
    "{them}在垃圾分类督导中坚持了半年多,风雨无阻,同意接收为预备党员。",
    "对{them}总体满意,提醒注意保持好的作风,入党以后标准要更高。",
]
CLOSINGS = [
    "{host}代表支部对{name}提出三点希望:加强理论学习、立足岗位作贡献、按时交纳党费参加组织生活。",
    "会议最后,{host}要求入党介绍人继续做好预备期培养教育,支委会按程序将决议报上级党委审批。",
    "{host}总结:大会讨论充分,程序规范,会后填写入党志愿书有关意见,报上级党委审批。",
    "{host}强调预备期是对{name}的继续考察,支部将指定专人联系,每季度听取一次思想汇报。",
]
CONVERSION_CLOSINGS = [
    "{host}代表支部祝贺{name},希望转正后在{short}中继续当好表率,把党员身份亮出来。",
    "会后由支委会将转正决议和有关材料报上级党委审批,{host}提醒{name}按时参加组织生活、交纳党费。",
    "{host}总结时指出,{name}预备期内的不足要在今后工作中改进,支部将继续关心其成长。",
    "会议最后,{name}表态感谢组织和同志们的帮助,{host}宣布散会。",
]
PROBATION = [
    "{name}宣读了转正申请书,汇报了预备期一年来的学习和工作:坚持参加三会一课,{deed},不足是理论学习深度不够。",
    "{name}汇报预备期表现:按时交纳党费,参加主题党日{times}次,作为{job}{deed},今后努力克服急躁情绪。",
    "{name}作转正汇报,重点谈了在{short}中的体会和差距,表示愿意接受党组织的进一步考察。",
    "{name}回顾了预备期的经历:担任{job}期间{deed},也谈到曾因工作繁忙缺席一次党小组会,已向组织说明。",
    "{name}在转正申请中写道,预备期参加主题党日{times}次,读完了指定学习书目,今后在{short}中发挥先锋作用。",
]
GROUP_VIEWS = [
    "所在党小组组长{a}介绍党小组意见:预备期内{name}表现良好,同意按期转正。",
    "支委会报告了征求党员和群众意见的情况,普遍认为{name}预备期内进步明显,同意提请转正。",
    "入党介绍人{a}介绍了{name}预备期的培养考察情况,认为已具备正式党员条件。",
    "支部组织委员{b}通报了预备期考察意见:{name}思想汇报按季度上交,参加集中学习合格,无违纪情况。",
    "{a}、{b}两名入党介绍人先后发言,认为{name}入党后标准提高了,在{short}中表现积极。",
]
PROBATION_SPEECHES = [
    "预备期内{them}参加组织生活很准时,有两次外出也提前请假,同意转正。",
    "{them}在志愿服务中带头冲在前面,群众认可,建议转正后继续发挥作用。",
    "希望{them}转正以后不要放松学习,多读原著,写好学习笔记。",
    "{them}在楼栋里帮助调解了邻里纠纷,做得细致,同意按期转正。",
    "{them}对支部交办的任务完成得好,缺点是发言少,希望多提意见建议。",
    "同意支委会意见,也提醒{them}注意工作和家庭的平衡,保持好的状态。",
    "预备期考察材料齐全,{them}思想汇报按季度上交,同意转正。",
    "{them}参加了社区防汛和创文工作,表现突出,同意按期转为正式党员。",
]
GIVEN = ["晓梅", "建军", "伟", "洋", "静", "磊", "丽娟", "浩然", "思雨", "子涵", "文博", "佳怡", "志强", "雪"]
FAMILY = ["王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙"]


class _Demo:
    def __init__(self, today: dt.date):
        self.today = today
        self.rng = random.Random(SEED)
        self.count = 0

    def name(self) -> str:
        return self.rng.choice(FAMILY) + self.rng.choice(GIVEN)

    def apply(self, branch: Org, applied: dt.date, *, female=None, age=None, frontline=None) -> Applicant:
        female = self.rng.random() < 0.45 if female is None else female
        age = age or self.rng.randint(22, 40)
        born = applied - relativedelta(years=age, days=self.rng.randint(10, 300))
        self.count += 1
        return development_services.apply_for_membership(
            actor=SYSTEM,
            branch=branch,
            applied_on=applied,
            name=self.name(),
            gender="F" if female else "M",
            birth_date=born,
            frontline=self.rng.random() < 0.5 if frontline is None else frontline,
            note="本人递交入党申请书",
            is_demo=True,
        )

    def advance(
        self, applicant: Applicant, upto: int, dates: dict[int, dt.date], extra: dict | None = None
    ) -> Applicant:
        """Record steps up to ``upto`` on the given days (missing days: a few days after the last)."""
        branch = applicant.org
        formal = list(
            Member.objects.filter(org=branch, status=MemberStatus.NORMAL, category=MemberCategory.FORMAL)
            .select_related("person")
            .order_by("joined_on", "pk")
        )
        people = [m.person for m in formal]
        committee = development_services.approving_orgs(branch)[0]
        last = applicant.applied_on
        for n in range(applicant.step + 1, upto + 1):
            day = dates.get(n) or min(last + dt.timedelta(days=self.rng.randint(5, 20)), self.today)
            kw: dict = {}
            if n == 2:
                kw["people"] = people[:1]
            if n == 16:  # a 组织员 of the approving 党委 (rules.md §2.14)
                kw["people"] = [committee_organizer(committee)]
            if n in (4, 8, 13, 16, 17, 18, 24):
                kw["deciding_org"] = committee
            if n == 5:
                kw["people"] = people[1:3]
            if n == 9:
                kw["people"] = people[1:3]
            if n == 11:
                kw.update(training_days=3, training_hours=24)
            if n == 7:
                notice_from = day - dt.timedelta(days=10)
                kw.update(notice_from=notice_from, notice_to=day - dt.timedelta(days=1))
            if n in (15, 23):
                expected = list(services.expected_members(branch, MeetingKind.BRANCH_ASSEMBLY, day))
                voters = sum(1 for m in expected if m.category == MemberCategory.FORMAL)
                abstain = self.rng.choice([0, 0, 1, 1, 2]) if voters > 6 else 0
                no = 1 if voters > 10 and self.rng.random() < 0.3 else 0
                yes = voters - abstain - no
                meeting = services.record_meeting(
                    actor=SYSTEM,
                    org=branch,
                    kind=MeetingKind.BRANCH_ASSEMBLY,
                    held_on=day,
                    topic=f"讨论接收{applicant.person.name}为预备党员"
                    if n == 15
                    else f"讨论{applicant.person.name}预备党员转正",
                    attendance={m.pk: "present" for m in expected},
                    minutes=self.minutes(
                        applicant, n, day, people, len(expected), voters, (yes, no, abstain)
                    ),
                )
                kw["vote"] = development_services.Vote(meeting=meeting, yes=yes, no=no, abstain=abstain)
            if n == 17 and day > applicant.admitted_on + relativedelta(months=3):
                kw["note"] = "党委换届,审批顺延"
            if n == 25:
                kw["checklist"] = list(development_steps.ARCHIVE_CHECKLIST)
            kw.update((extra or {}).get(n, {}))
            development_services.record_step(actor=SYSTEM, applicant=applicant, number=n, done_on=day, **kw)
            applicant.refresh_from_db()
            last = day
        return applicant

    def minutes(self, applicant: Applicant, n: int, day, people, expected: int, voters: int, votes) -> str:
        """The minutes of the branch meeting that admits (step 15) or converts (step 23) one
        candidate: who chaired, the committee's report, the introducers, what the candidate and
        the members said, the vote — drawn per candidate, so no two read alike (the near-duplicate
        rule flags copied minutes, and these are not copies)."""
        rng = self.rng
        name = applicant.person.name
        names = [p.name for p in people] or ["支部书记"]
        host = names[0]
        a, b = (names[1:3] + names[:2])[:2] if len(names) > 1 else (host, host)
        job, deed = rng.choice(JOBS)
        short = deed.split("和")[0].split("、")[0]
        yes, no, abstain = votes
        speakers = rng.sample(names[1:], min(3, len(names) - 1)) if len(names) > 1 else []
        fmt = {
            "name": name,
            "host": host,
            "a": a,
            "b": b,
            "job": job,
            "deed": deed,
            "short": short,
            "applied": f"{applicant.applied_on:%Y年%m月}",
            "activist": f"{applicant.activist_on or applicant.applied_on:%Y年%m月}",
            "candidate": f"{applicant.candidate_on or day:%Y年%m月}",
            "times": rng.randint(9, 12),
        }
        place = rng.choice(PLACES)
        if n == 15:
            lines = [
                f"{day:%Y年%m月%d日},支部党员大会在{place}召开,应到会党员{expected}人,实到{expected}人,"
                f"其中有表决权的正式党员{voters}人。会议由{host}主持,讨论接收{name}为预备党员。",
                rng.choice(REPORTS).format(**fmt),
                rng.choice(INTRODUCERS).format(**fmt),
                rng.choice(SELF).format(**fmt),
            ]
            pool = SPEECHES
        else:
            lines = [
                f"{day:%Y年%m月%d日},支部党员大会在{place}召开,应到会党员{expected}人,实到{expected}人,"
                f"有表决权的正式党员{voters}人。{host}主持会议,讨论{name}预备期满转为正式党员的问题。",
                rng.choice(PROBATION).format(**fmt),
                rng.choice(GROUP_VIEWS).format(**fmt),
            ]
            pool = PROBATION_SPEECHES
        for speaker, speech in zip(speakers, rng.sample(pool, len(speakers)), strict=True):
            lines.append(f"党员{speaker}发言:" + speech.format(them=name))
        verdict = f"同意接收{name}为中共预备党员" if n == 15 else f"同意{name}按期转为中共正式党员"
        lines.append(
            f"经无记名投票表决,赞成{yes}票,反对{no}票,弃权{abstain}票,赞成票超过应到会有表决权党员的半数,"
            f"{verdict},报上级党委审批。"
        )
        lines.append(rng.choice(CLOSINGS if n == 15 else CONVERSION_CLOSINGS).format(**fmt))
        return "\n".join(lines)


def committee_organizer(committee: Org):
    """The approving 党委's 组织员 who talks with candidates before approval (step 16): the one on
    record, else a formal member of its organ branch designated 组织员 (in office since 2014)."""
    from orgs.models import Position, PositionKind

    post = (
        Position.objects.filter(org=committee, kind=PositionKind.ORGANIZER, start_on__lte=dt.date(2014, 1, 1))
        .select_related("person")
        .order_by("pk")
        .first()
    )
    if post is not None:
        return post.person
    member = (
        Member.objects.filter(
            org__in=Org.objects.get_children(committee).filter(kind="branch"),
            status=MemberStatus.NORMAL,
            category=MemberCategory.FORMAL,
        )
        .select_related("person")
        .order_by("org__path", "joined_on", "pk")
        .first()
    )
    assert member is not None, "演示数据:上级党委下没有正式党员可担任组织员"
    Position.objects.create(
        person=member.person,
        org=committee,
        kind=PositionKind.ORGANIZER,
        title="组织员",
        start_on=dt.date(2014, 1, 1),
    )
    return member.person


def _dues_of_admitted(demo: _Demo, shuji: Org) -> str | None:
    """The members admitted above pay dues like the demo's other members (demo/party/membership.py): a
    base from the month of the branch meeting that admitted them (rules.md §3.5) and each month
    paid within the month, through ``party.membership.services``'s services (audited). One of them — the
    latest admitted outside shuji's branch — is left without a base, so ``dues.base_missing``
    (党费基数未核定) shows once in the demo. Returns that member's name."""
    from party.membership import services as membership
    from party.membership.models import DuesBase, DuesKind

    persons = Applicant.objects.filter(is_demo=True).values("person_id")
    admitted = list(
        Member.objects.filter(person_id__in=persons, status=MemberStatus.NORMAL)
        .exclude(pk__in=DuesBase.objects.values("member_id"))
        .select_related("person", "org")
        .order_by("-joined_on", "pk")
    )
    left = next((m for m in admitted if m.org_id != shuji.pk), None)
    last = membership.month_start(demo.today) - relativedelta(months=1)
    for member in admitted:
        if member is left:
            continue
        income = demo.rng.choice(["2800", "3600", "4500", "5200", "6800"])
        joined = membership.month_start(member.joined_on)
        membership.set_dues_base(
            actor=SYSTEM, member=member, kind=DuesKind.SALARY, income=income, effective_month=joined
        )
        for month in membership.months_between(joined, last):
            paid_on = max(month + dt.timedelta(days=demo.rng.randint(2, 20)), member.joined_on)
            membership.record_payment(
                actor=SYSTEM, member=member, month=month, paid_on=min(paid_on, demo.today)
            )
    return left.person.name if left is not None else None


def _correct_one(applicant: Applicant, reason: str) -> None:
    """A corrected step (更正): step 18's filing date moved a day, the prior version kept."""
    from party.development.models import DevelopmentStep

    step = DevelopmentStep.objects.filter(applicant=applicant, number=18, superseded_at__isnull=True).first()
    if step is not None:
        development_services.correct_step(
            actor=SYSTEM, step=step, reason=reason, done_on=step.done_on + dt.timedelta(days=1)
        )


def _path_dates(start: dt.date, admitted: dt.date | None = None) -> dict[int, dt.date]:
    """A regular timetable: activist 2 months after applying, candidate one year later, …"""
    d = {2: start + dt.timedelta(days=20), 3: start + relativedelta(months=2)}
    d[4] = d[3] + dt.timedelta(days=5)
    d[5] = d[3] + dt.timedelta(days=6)
    d[6] = d[3] + relativedelta(months=6)
    d[7] = d[3] + relativedelta(years=1, days=10)
    d[8] = d[7] + dt.timedelta(days=5)
    d[9] = d[7] + dt.timedelta(days=7)
    d[10] = d[7] + dt.timedelta(days=30)
    d[11] = d[7] + dt.timedelta(days=45)
    d[12] = d[7] + dt.timedelta(days=60)
    d[13] = d[7] + dt.timedelta(days=70)
    d[14] = d[7] + dt.timedelta(days=75)
    d[15] = admitted or d[7] + dt.timedelta(days=90)
    d[16] = d[15] + dt.timedelta(days=20)
    d[17] = d[15] + dt.timedelta(days=50)
    d[18] = d[17] + dt.timedelta(days=5)
    d[19] = d[17] + dt.timedelta(days=6)
    d[20] = d[17] + dt.timedelta(days=14)
    d[21] = d[15] + relativedelta(months=6)
    d[22] = d[15] + relativedelta(months=11)
    d[23] = d[15] + relativedelta(years=1, days=5)
    d[24] = d[23] + dt.timedelta(days=30)
    d[25] = d[24] + dt.timedelta(days=10)
    return d


def build_demo_development(stdout=None) -> int:
    if Applicant.objects.filter(is_demo=True).exists():
        if stdout:
            stdout.write("已有演示发展党员数据,直接复用。\n")
        return 0
    branches = list(
        Org.objects.filter(is_demo=True, kind="branch", archived_at__isnull=True).order_by("path")
    )
    shuji = next((b for b in branches if b.short_name == SHUJI_BRANCH), None)
    if shuji is None:
        return 0
    today = timezone.localdate()
    demo = _Demo(today)
    unset = None
    with transaction.atomic():
        # shuji's branch: one applicant at each kind of place in the pipeline.
        demo.apply(shuji, today - dt.timedelta(days=12), female=True)  # talk due soon
        demo.apply(shuji, today - relativedelta(months=2, days=5))  # talk overdue
        late = demo.apply(shuji, today - relativedelta(years=1, months=8))
        late_dates = _path_dates(late.applied_on)
        late_dates[2] = late.applied_on + relativedelta(months=1, days=18)  # the talk, 18 days late
        demo.advance(late, 6, late_dates)
        a = demo.apply(shuji, today - relativedelta(years=2, months=4), female=False)
        demo.advance(a, 15, _path_dates(a.applied_on, admitted=today - relativedelta(months=2, days=20)))
        a = demo.apply(shuji, today - relativedelta(years=3, months=3), female=True)
        demo.advance(
            a, 22, _path_dates(a.applied_on, admitted=today - relativedelta(years=1, months=1, days=15))
        )
        a = demo.apply(shuji, today - relativedelta(years=4, months=6), female=True, age=29)
        demo.advance(a, 25, _path_dates(a.applied_on, admitted=today - relativedelta(years=2, months=2)))
        _correct_one(a, "备案日期录错,按组织部门备案回执更正")
        a = demo.apply(shuji, today - relativedelta(months=11), female=False)
        demo.advance(a, 3, _path_dates(a.applied_on))
        # End of probation: an extension waiting for the 党委's approval, an approved extension
        # (probation runs on), an approved cancellation.
        a = demo.apply(shuji, today - relativedelta(years=3, months=2), female=False)
        dates = _path_dates(a.applied_on, admitted=today - relativedelta(years=1, months=1))
        demo.advance(a, 23, dates, {23: {"outcome": "extend", "extension_months": 6}})
        a = demo.apply(shuji, today - relativedelta(years=3, months=4), female=True)
        dates = _path_dates(a.applied_on, admitted=today - relativedelta(years=1, months=3))
        demo.advance(a, 24, dates, {23: {"outcome": "extend", "extension_months": 12}})
        a = demo.apply(shuji, today - relativedelta(years=3, months=5), female=False)
        dates = _path_dates(a.applied_on, admitted=today - relativedelta(years=1, months=4))
        demo.advance(
            a,
            24,
            dates,
            {
                23: {"outcome": "cancel", "note": "预备期内多次无故不参加组织生活,经教育仍不改正"},
                24: {"note": "同意支部大会决议"},
            },
        )
        # A few other branches in the same street: admissions clustered in one month, four months ago.
        street = Org.objects.get_parent(shuji)
        others = [b for b in branches if b.path.startswith(street.path) and b.pk != shuji.pk][:6]
        cluster = today - relativedelta(months=4)
        for i, branch in enumerate(others):
            b = demo.apply(branch, today - relativedelta(years=2, months=3, days=i * 9))
            if i < 3:
                demo.advance(b, 17, _path_dates(b.applied_on, admitted=cluster + dt.timedelta(days=i * 6)))
            else:
                demo.advance(b, 3 + i, _path_dates(b.applied_on))
            c = demo.apply(branch, today - relativedelta(months=1 + i))
            if i % 2:
                demo.advance(c, 2, {2: c.applied_on + dt.timedelta(days=10)})
        # The street's plan of the cluster's year (last year's in the first months of a year), and
        # of this year when that differs.
        for year in sorted({cluster.year, today.year}):
            development_services.set_plan(
                actor=SYSTEM,
                org=street,
                year=year,
                quota=3,
                women_min=2,
                young_min=3,
                frontline_min=2,
                note="区委组织部下达",
            )
        development_services.set_plan(
            actor=SYSTEM, org=shuji, year=today.year, quota=2, women_min=1, young_min=1, frontline_min=1
        )
        unset = _dues_of_admitted(demo, shuji)
    if stdout:
        if unset is not None:
            stdout.write(f"演示党费:新接收的预备党员 {unset} 未核定党费基数(用于演示“党费基数未核定”)。\n")
        stdout.write(f"演示发展党员:{demo.count} 名发展对象。\n")
    return demo.count
