"""Each compliance rule on fixtures that trigger it and fixtures that do not, with the edges the
rules name: exactly 3 formal members, exactly 6 months, probationary members not counted."""

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageDraw

from core.actors import SYSTEM
from orgs.models import Org
from party import compliance
from party.life import services
from party.models import MeetingKind, RuleParameter, Term
from party.terms import services as term_services

from ..factories import make_org
from .conftest import REF, add_members, all_present, appoint

pytestmark = pytest.mark.django_db

Q3 = (dt.date(2026, 7, 1), dt.date(2026, 9, 30))


def rules_of(findings, org=None):
    return [f.rule for f in findings if org is None or f.org_id == org.pk]


def meet(branch, kind, day, members=None, **kwargs):
    members = members if members is not None else branch.members
    kwargs.setdefault("topic", "学习二十届四中全会精神")
    kwargs.setdefault(
        "minutes", "会议由书记主持,全体党员参加,围绕社区垃圾分类和老旧小区改造进行了深入讨论,明确了分工。" * 2
    )
    kwargs.setdefault("decisions", "由支委牵头落实")
    attendance = kwargs.pop("attendance", None) or all_present(
        [m for m in members if m.joined_on <= day]
        if kind != MeetingKind.COMMITTEE
        else [m for m in members[:3]]
    )
    return services.record_meeting(
        actor=SYSTEM, org=branch, kind=kind, held_on=day, attendance=attendance, **kwargs
    )


def check(org, start=Q3[0], end=Q3[1], today=REF):
    return compliance.check(org, start, end, today=today)


# -- organization structure ---------------------------------------------------------------------


def test_exactly_three_formal_members_is_enough_probationary_not_counted(world, seeded):
    enough = make_org(world["w1"], "branch", "甲支部", host=world["c2"])
    add_members(enough, 3, 2)
    short = make_org(world["w1"], "branch", "乙支部", host=world["c2"])
    add_members(short, 2, 3)  # five members, but only two formal ones
    found = check(world["w1"])
    assert "org.should_adjust" not in rules_of(found, enough)
    adjust = [f for f in found if f.org_id == short.pk and f.rule == "org.should_adjust"]
    assert len(adjust) == 1
    assert "正式党员仅 2 人" in adjust[0].reason and "预备党员 3 人不计" in adjust[0].reason
    assert "第四条" in adjust[0].source


def test_should_establish_unit_with_three_formal_members_and_no_branch(world, seeded):
    firm = make_org(world["s1"], "enterprise", "岳麓科技有限公司")
    other_firm = make_org(world["s1"], "enterprise", "望月物业公司")
    joint = make_org(world["w1"], "branch", "联合党支部", host=other_firm)
    add_members(joint, 3, home=firm)  # members work in ``firm``, which has no party organization
    add_members(joint, 2, 1, home=other_firm)
    found = check(world["w1"])
    establish = [f for f in found if f.rule == "org.should_establish"]
    assert [f.org_id for f in establish] == [world["w1"].pk]  # the street's working committee is responsible
    assert "岳麓科技有限公司 有正式党员 3 人" in establish[0].reason
    # two formal + one probationary, and a unit that hosts a branch: not flagged
    assert not any("望月物业公司" in f.reason for f in establish)


def test_should_establish_not_flagged_below_three_formal(world, seeded):
    firm = make_org(world["s1"], "enterprise", "岳麓科技有限公司")
    joint = make_org(world["w1"], "branch", "联合党支部", host=world["c2"])
    add_members(joint, 2, 1, home=firm)
    assert "org.should_establish" not in rules_of(check(world["w1"]))


def test_branch_over_fifty_members(world, seeded):
    big = make_org(world["w1"], "branch", "大支部", host=world["c2"])
    add_members(big, 50)
    assert "org.too_large" not in rules_of(check(big))
    add_members(big, 0, 1)
    found = [f for f in check(big) if f.rule == "org.too_large"]
    assert found and "党员 51 人" in found[0].reason


def test_committee_required_at_seven_formal_members(world, seeded):
    org = make_org(world["w1"], "branch", "丙支部", host=world["c2"])
    members = add_members(org, 6, 3)
    appoint(members[0], org)
    assert "org.committee_missing" not in rules_of(check(org))  # 6 formal + 3 probationary
    add_members(org, 1)
    found = [f for f in check(org) if f.rule == "org.committee_missing"]
    assert found and "正式党员 7 人" in found[0].reason


def test_secretary_vacant_and_not_formal(world, seeded):
    org = make_org(world["w1"], "branch", "丁支部", host=world["c2"])
    members = add_members(org, 4, 1)
    assert "org.secretary_vacant" in rules_of(check(org))
    appoint(members[-1], org)  # the probationary member
    found = rules_of(check(org))
    assert "org.secretary_vacant" not in found
    assert "org.secretary_not_formal" in found
    appoint(members[0], org, start=dt.date(2020, 1, 1))
    assert "org.secretary_not_formal" in rules_of(check(org))  # the probationary one still holds the post


def test_terms_by_host_kind_and_expiry(world, seeded, branch):
    dept_branch = make_org(world["party"], "branch", "区教育局机关支部", host=world["d2"])
    add_members(dept_branch, 3)
    assert "term.unrecorded" in rules_of(check(branch), branch)
    term = term_services.record_term(actor=SYSTEM, org=branch, started_on=dt.date(2021, 3, 1))
    assert term.ends_on == dt.date(2026, 3, 1)  # community: 5 years
    assert term_services.record_term(
        actor=SYSTEM, org=dept_branch, started_on=dt.date(2024, 5, 1)
    ).ends_on == dt.date(2027, 5, 1)  # others: 3 years
    expired = [f for f in check(branch) if f.rule == "term.expired"]
    assert expired and "2026-03-01" in expired[0].reason
    expiring = [
        f
        for f in check(dept_branch, today=dt.date(2026, 12, 1), end=dt.date(2026, 12, 1))
        if f.rule == "term.expiring"
    ]
    assert expiring  # six months before 2027-05-01
    assert not [
        f for f in check(dept_branch) if f.rule.startswith("term.")
    ]  # 2026-09-30: more than 6 months left
    Term.objects.create(org=branch, started_on=dt.date(2026, 4, 1), ends_on=dt.date(2031, 4, 1))
    assert not [f for f in check(branch) if f.rule.startswith("term.")]


# -- organization life --------------------------------------------------------------------------


def test_missing_quarterly_assembly_and_running_period(seeded, branch):
    found = [f for f in check(branch) if f.rule == "meeting.missing" and "支部党员大会" in f.reason]
    assert len(found) == 1 and found[0].severity == "high" and "2026年第3季度" in found[0].reason
    assert "第十一条" in found[0].source
    meet(branch, MeetingKind.BRANCH_ASSEMBLY, dt.date(2026, 8, 12))
    assert not [f for f in check(branch) if f.rule == "meeting.missing" and "支部党员大会" in f.reason]
    # the running quarter is not judged before it ends
    q4 = check(branch, dt.date(2026, 10, 1), dt.date(2026, 12, 31), today=dt.date(2026, 11, 20))
    assert not [f for f in q4 if f.rule == "meeting.missing" and "支部党员大会" in f.reason]


def test_monthly_theme_day_missing_month_and_frequency_is_rule_data(seeded, branch):
    for day in (dt.date(2026, 7, 8), dt.date(2026, 9, 9)):
        meet(branch, MeetingKind.THEME_DAY, day)
    missing = [f for f in check(branch) if f.rule == "meeting.missing" and "主题党日" in f.reason]
    assert [f.period for f in missing] == ["2026年8月"]
    # a local rule (quarterly theme day) for this street's subtree changes the finding
    RuleParameter.objects.create(
        code="meeting.theme_day.period",
        name="主题党日周期",
        value="quarter",
        value_type="period",
        source="某市规定",
        confidence="C",
        effective_from=dt.date(2026, 1, 1),
        org=Org.objects.get_parent(branch),
    )
    assert not [f for f in check(branch) if f.rule == "meeting.missing" and "主题党日" in f.reason]


def test_missing_meeting_quotes_the_last_one_held_before_the_window(seeded, branch):
    # Q3 2026 is the window; the last 支委会 was in May, before the months loaded for it
    meet(branch, MeetingKind.COMMITTEE, dt.date(2026, 5, 6))
    meet(branch, MeetingKind.COMMITTEE, dt.date(2026, 4, 8))
    missing = [f for f in check(branch) if f.rule == "meeting.missing" and "支委会" in f.reason]
    assert [f.period for f in missing] == ["2026年7月", "2026年8月", "2026年9月"]
    assert {f.evidence[0] for f in missing} == {"此前最近一次:2026-05-06"}
    # one held in the window is the latest before the months after it
    meet(branch, MeetingKind.COMMITTEE, dt.date(2026, 7, 21))
    missing = [f for f in check(branch) if f.rule == "meeting.missing" and "支委会" in f.reason]
    assert [(f.period, f.evidence[0]) for f in missing] == [
        ("2026年8月", "此前最近一次:2026-07-21"),
        ("2026年9月", "此前最近一次:2026-07-21"),
    ]
    # more than a year before the window is not looked at
    meet(branch, MeetingKind.THEME_DAY, dt.date(2025, 6, 10))
    other = [f for f in check(branch) if f.rule == "meeting.missing" and "主题党日" in f.reason]
    assert other and {f.evidence[0] for f in other} == {"此前未录入过该类会议"}


def test_yearly_meeting_held_before_the_window_counts_for_its_year(seeded, branch):
    def life_missing(start, end):
        found = check(branch, start, end)
        return [f for f in found if f.rule == "meeting.missing" and "组织生活会" in f.reason]

    window = (dt.date(2025, 12, 1), dt.date(2026, 11, 30))
    assert [f.period for f in life_missing(*window)] == ["2025年度"]
    meet(branch, MeetingKind.LIFE_MEETING, dt.date(2025, 3, 14))  # before the window, in 2025
    assert life_missing(*window) == []
    meet(branch, MeetingKind.THEME_DAY, dt.date(2026, 7, 10))
    for day, kind in [
        (dt.date(2026, 9, 20), MeetingKind.BRANCH_ASSEMBLY),
        (dt.date(2026, 9, 25), MeetingKind.LECTURE),
        (dt.date(2026, 9, 28), MeetingKind.THEME_DAY),
    ]:
        meet(branch, kind, day)
    found = [f for f in check(branch) if f.rule == "meeting.bunched"]
    assert found and "4 次组织生活中有 3 次集中在季度最后 15 天" in found[0].reason
    assert len(found[0].meeting_ids) == 3


def test_spread_meetings_are_not_bunched(seeded, branch):
    for day in (dt.date(2026, 7, 10), dt.date(2026, 8, 10), dt.date(2026, 9, 10), dt.date(2026, 9, 28)):
        meet(branch, MeetingKind.THEME_DAY, day)
    assert "meeting.bunched" not in rules_of(check(branch))


def test_low_attendance_threshold(seeded, branch):
    m = branch.members
    # 8 expected: 6 present = 75% < 80%
    meet(
        branch,
        MeetingKind.THEME_DAY,
        dt.date(2026, 7, 10),
        attendance=all_present(m, {m[6].pk: ("leave", "出差"), m[7].pk: "absent"}),
    )
    found = [f for f in check(branch) if f.rule == "meeting.low_attendance"]
    assert found and "实到 6 人(75%)" in found[0].evidence[0]


def test_attendance_at_threshold_is_fine(world, seeded):
    org = make_org(world["w1"], "branch", "戊支部", host=world["c2"])
    members = add_members(org, 5)
    org.members = members
    meet(
        org,
        MeetingKind.THEME_DAY,
        dt.date(2026, 7, 10),
        attendance=all_present(members, {members[4].pk: "absent"}),
    )
    assert "meeting.low_attendance" not in rules_of(check(org))  # 4/5 = 80%


def test_six_months_without_organization_life_exactly(seeded, branch):
    m = branch.members
    last = dt.date(2026, 3, 30)  # REF − 6 months exactly
    meet(branch, MeetingKind.THEME_DAY, last)
    meet(branch, MeetingKind.THEME_DAY, dt.date(2026, 9, 10), attendance=all_present(m, {m[5].pk: "absent"}))
    flags = [f for f in check(branch) if f.rule == "member.lapse_flag"]
    assert len(flags) == 1 and m[5].person.name in flags[0].reason
    assert "系统不自动处理" in flags[0].action and "第九条" in flags[0].source
    assert flags[0].severity == "high"


def test_one_day_short_of_six_months_is_a_warning_only(seeded, branch):
    m = branch.members
    meet(branch, MeetingKind.THEME_DAY, dt.date(2026, 4, 1))
    meet(branch, MeetingKind.THEME_DAY, dt.date(2026, 9, 10), attendance=all_present(m, {m[5].pk: "absent"}))
    found = check(branch)
    assert "member.lapse_flag" not in rules_of(found)
    warnings = [f for f in found if f.rule == "member.lapse_warning"]
    assert warnings and m[5].person.name in warnings[0].evidence[0]


def test_study_hours_gap_for_the_year_with_trainings(seeded, branch):
    meet(branch, MeetingKind.LECTURE, dt.date(2026, 3, 10))  # 2 hours each
    year = (dt.date(2026, 1, 1), dt.date(2026, 12, 31))
    found = [f for f in check(branch, *year, today=dt.date(2027, 1, 5)) if f.rule == "study.gap"]
    assert found and found[0].severity == "medium" and "8 名党员学习培训学时未达标" in found[0].reason
    assert any("目标 56" in e for e in found[0].evidence)  # the secretary's target (role-based)
    for member in branch.members:
        services.record_training(
            actor=SYSTEM, member=member, title="党员冬训", started_on=dt.date(2026, 11, 1), hours=60
        )
    assert "study.gap" not in rules_of(check(branch, *year, today=dt.date(2027, 1, 5)))


# -- formalism ----------------------------------------------------------------------------------

MINUTES = (
    "会议由支部书记张建华主持,应到党员8人,实到8人。会上集中学习了党的二十届四中全会精神,组织委员李明领学。"
    "大家围绕老旧小区加装电梯工作展开讨论,认为要充分听取低楼层住户意见,做好矛盾调解。"
    "宣传委员王芳通报了上月垃圾分类督导情况,三栋和五栋的分类准确率仍然偏低,需要党员包联楼栋入户宣传。"
    "会议还研究了困难党员走访慰问名单,确定春节前走访八户,由纪检委员赵强负责联系。"
    "最后书记强调,要把学习成果转化为为民办实事的具体行动,防止学用脱节。"
)


def paraphrase_and_shuffle(text):
    sentences = [s for s in text.split("。") if s]
    sentences = sentences[2:] + sentences[:2]
    text = "。".join(sentences) + "。"
    return text.replace("大家", "与会党员").replace("偏低", "不高").replace("张建华", "刘志刚")


def test_near_duplicate_minutes_across_branches_paraphrased_and_shuffled(world, seeded, branch):
    other = make_org(world["w2"], "branch", "桃子湖第二支部", host=world["c3"])
    other.members = add_members(other, 5)
    original = meet(other, MeetingKind.THEME_DAY, dt.date(2026, 7, 3), minutes=MINUTES)
    copy = meet(branch, MeetingKind.THEME_DAY, dt.date(2026, 8, 20), minutes=paraphrase_and_shuffle(MINUTES))
    found = [f for f in check(branch) if f.rule == "formalism.duplicate_minutes"]
    assert len(found) == 1 and "桃子湖第二支部" in found[0].reason
    assert set(found[0].meeting_ids) == {original.pk, copy.pk}
    assert "formalism.duplicate_minutes" not in rules_of(check(other))  # the original is not the copy


def test_unrelated_minutes_are_not_duplicates(seeded, branch):
    meet(branch, MeetingKind.THEME_DAY, dt.date(2026, 7, 3), minutes=MINUTES)
    meet(
        branch,
        MeetingKind.THEME_DAY,
        dt.date(2026, 8, 20),
        minutes="本次主题党日组织党员到雷锋纪念馆参观学习,重温入党誓词。随后分三组到辖区开展防汛隐患排查,"
        "共清理排水沟两处,劝离河边垂钓群众十余人。返程途中大家交流了参观体会,"
        "表示要学习雷锋同志的奉献精神,在社区志愿服务中走在前列。党员陈立新提出在汛期建立每日巡查轮班表。",
    )
    assert "formalism.duplicate_minutes" not in rules_of(check(branch))


def test_thin_minutes_and_missing_decisions(seeded, branch):
    meet(branch, MeetingKind.COMMITTEE, dt.date(2026, 7, 3), minutes="学习了文件。", decisions="")
    found = [f for f in check(branch) if f.rule == "formalism.thin_minutes"]
    assert found and "记录仅 6 字、未记载决定事项" in found[0].evidence[0]


def test_identical_attendance_lists_copied(seeded, branch):
    m = branch.members
    same = all_present(m, {m[3].pk: ("leave", "外出务工"), m[4].pk: ("leave", "生病住院")})
    for day in (dt.date(2026, 7, 8), dt.date(2026, 8, 8), dt.date(2026, 9, 8)):
        meet(branch, MeetingKind.THEME_DAY, day, attendance=dict(same))
    found = [f for f in check(branch) if f.rule == "formalism.copied_attendance"]
    assert found and "连续 3 次会议" in found[0].reason


def test_varying_attendance_is_not_copied(seeded, branch):
    m = branch.members
    for i, day in enumerate((dt.date(2026, 7, 8), dt.date(2026, 8, 8), dt.date(2026, 9, 8))):
        meet(branch, MeetingKind.THEME_DAY, day, attendance=all_present(m, {m[i].pk: ("leave", "出差")}))
    assert "formalism.copied_attendance" not in rules_of(check(branch))


def _photo(seed: int) -> SimpleUploadedFile:
    image = Image.new("RGB", (320, 240), (200, 200, 200))
    draw = ImageDraw.Draw(image)
    for i in range(6):
        x = (seed * 37 + i * 53) % 260
        draw.rectangle(
            [x, i * 35, x + 50 + seed * 7 % 40, i * 35 + 30], fill=((seed * 80 + i * 40) % 255, 40, 90)
        )
    out = io.BytesIO()
    image.save(out, format="PNG")
    return SimpleUploadedFile(f"photo{seed}.png", out.getvalue(), content_type="image/png")


def test_reused_photo_detected_by_perceptual_hash(seeded, branch, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    meet(branch, MeetingKind.THEME_DAY, dt.date(2026, 7, 8), photos=[_photo(1)])
    meet(branch, MeetingKind.THEME_DAY, dt.date(2026, 8, 8), photos=[_photo(2)])
    assert "formalism.reused_photo" not in rules_of(check(branch))
    meet(branch, MeetingKind.THEME_DAY, dt.date(2026, 9, 8), photos=[_photo(1)])
    found = [f for f in check(branch) if f.rule == "formalism.reused_photo"]
    assert len(found) == 1 and "2026-09-08" in found[0].reason and "2026-07-08" in found[0].reason


def test_findings_for_an_administrative_unit_cover_its_party_orgs(world, seeded, branch):
    found = compliance.check(world["c2"], *Q3, today=REF)
    assert found and {f.org_id for f in found} == {branch.pk}
    assert all(f.line().count("\t") == 3 for f in found)
