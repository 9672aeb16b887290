"""National defaults of the party rules (规则参数), seeded by a data migration and editable in the
admin (新版本 = a new row with a later 生效日期; 地方规定 = a row for an org's subtree).

Each row: (code, name, value, value type, unit, source, source URL, confidence, confirmed).
Sources and confidence grades follow ``shared/domain/rules.md`` §1, §3, §4; ``confirmed`` is
True only where the article text was seen (grade A) — the rest must be checked against the
official text before they are treated as hard rules.
"""

import datetime

from party.rules.seeding import seed_rows

EFFECTIVE_FROM = "2018-10-28"  # 《中国共产党支部工作条例(试行)》印发

BRANCH_RULES = "《中国共产党支部工作条例(试行)》(2018)"
CONSTITUTION = "《中国共产党章程》"
EDUCATION_RULES = "《中国共产党党员教育管理工作条例》(2019)"
TERM_OPINION = "中办《关于党的基层组织任期的意见》(2018)"
LOCAL = "地方常见做法(可按本地规定修改)"
LUOSHI = "落实系统默认阈值(可按本地规定修改)"

U_BRANCH = "http://uianet.net/dictionary/b1164406.html"
U_ART11 = "http://www.xgll.com.cn/zt/fzxcyrysf/2021-09/16/content_380801.htm"
U_ART12 = "http://xgll.com.cn/zt/fzxcyrysf/2021-09/17/content_380854.htm"
U_ART20 = "http://meijie5.cn/contents/186/5165.html"
U_TERM = "https://cnsoe.com/special/gzwpagepi.php?id=4320"
U_LAPSE = "https://www.gongweng.com/kp/708473.html"
U_EDU = "https://jiaoxuezhishi.com/liuxuezhishi/7ofv7989vh.html"
U_PLAN = "https://wodeyuanxiao.com/Educationandtraining/vxwvowpkge.html"
U_LIFE = "https://miniwenda.com/life/245598.html"
U_THEME = "http://101.200.34.145/liebiao.php?mod=viewthread&tid=650315"
U_LECTURE = "https://yihaowenku.com/doc/18779.html"
U_APPRAISAL = "https://pofan.com.cn/info/1115/4984.html"
U_TALK = "http://jsjx.cxxy.seu.edu.cn/2021/0529/c371a48041/page.htm"

DEFAULTS = [
    # Organization setup (组织设置)
    (
        "branch.min_formal",
        "成立党支部的正式党员下限",
        "3",
        "int",
        "人",
        f"{BRANCH_RULES} 第四条",
        U_BRANCH,
        "A",
        True,
    ),
    (
        "branch.max_members",
        "党支部党员人数上限",
        "50",
        "int",
        "人",
        f"{BRANCH_RULES} 第四条",
        U_BRANCH,
        "A",
        True,
    ),
    (
        "committee.required_at",
        "应设支部委员会的正式党员人数",
        "7",
        "int",
        "人",
        f"{BRANCH_RULES} 第二十条",
        U_ART20,
        "A",
        True,
    ),
    (
        "committee.min_size",
        "支部委员会最少委员数",
        "3",
        "int",
        "人",
        f"{BRANCH_RULES} 第二十条",
        U_ART20,
        "A",
        True,
    ),
    (
        "term.years.grassroots",
        "村、社区党组织任期",
        "5",
        "int",
        "年",
        f"{TERM_OPINION};{BRANCH_RULES} 第二十一条",
        U_TERM,
        "A",
        True,
    ),
    (
        "term.years.other",
        "其他党支部、党总支任期",
        "3",
        "int",
        "年",
        f"{TERM_OPINION};{BRANCH_RULES} 第二十一条",
        U_TERM,
        "A",
        True,
    ),
    (
        "term.remind_months",
        "任期届满提前提醒",
        "6",
        "int",
        "个月",
        f"{TERM_OPINION}(提前约6个月提醒)",
        U_TERM,
        "B",
        False,
    ),
    # 三会一课 and other organization life: how often each kind is required
    (
        "meeting.branch_assembly.period",
        "支部党员大会召开周期",
        "quarter",
        "period",
        "",
        f"{BRANCH_RULES} 第十一条",
        U_ART11,
        "A",
        True,
    ),
    (
        "meeting.committee.period",
        "支委会召开周期",
        "month",
        "period",
        "",
        f"{BRANCH_RULES} 第十二条",
        U_ART12,
        "A",
        True,
    ),
    (
        "meeting.group.period",
        "党小组会召开周期",
        "month",
        "period",
        "",
        f"{BRANCH_RULES} 第十三条",
        U_ART12,
        "A",
        True,
    ),
    (
        "meeting.lecture.period",
        "党课周期",
        "quarter",
        "period",
        "",
        f"{LOCAL}(条例未定频次,常见为每季度至少1次)",
        U_LECTURE,
        "C",
        False,
    ),
    (
        "meeting.theme_day.period",
        "主题党日周期",
        "month",
        "period",
        "",
        f"{BRANCH_RULES} 第五章",
        U_THEME,
        "A",
        True,
    ),
    (
        "meeting.life_meeting.period",
        "组织生活会周期",
        "year",
        "period",
        "",
        f"{BRANCH_RULES} 第十七条",
        U_LIFE,
        "A",
        True,
    ),
    (
        "meeting.appraisal.period",
        "民主评议党员周期",
        "year",
        "period",
        "",
        f"{BRANCH_RULES} 第五章(第十八条)",
        U_APPRAISAL,
        "B",
        False,
    ),
    (
        "meeting.talk.period",
        "谈心谈话周期",
        "year",
        "period",
        "",
        f"{BRANCH_RULES} 第五章(第十九条)",
        U_TALK,
        "B",
        False,
    ),
    (
        "meeting.leader_lecture.period",
        "领导干部讲党课周期",
        "none",
        "period",
        "",
        f"{BRANCH_RULES} 第五章(党委书记每年至少1次,按人统计)",
        U_LECTURE,
        "A",
        True,
    ),
    # Votes (表决)
    (
        "vote.quorum_share",
        "表决到会比例(须超过)",
        "0.5",
        "decimal",
        "",
        f"{BRANCH_RULES} 第十一条:有表决权的到会人数超过应到会人数的半数",
        U_ART11,
        "A",
        True,
    ),
    (
        "vote.pass_share",
        "表决通过比例(赞成票须超过应到会人数的)",
        "0.5",
        "decimal",
        "",
        f"{BRANCH_RULES} 第十一条",
        U_ART11,
        "A",
        True,
    ),
    # Members (党员管理)
    (
        "lapse.warn_months",
        "未参加组织生活提醒教育",
        "3",
        "int",
        "个月",
        f"{LOCAL}(连续3个月批评教育)",
        "http://cdydjh.com/bgfw/bslc/djgl/156630.html",
        "C",
        False,
    ),
    (
        "lapse.flag_months",
        "连续未参加组织生活(自行脱党情形)",
        "6",
        "int",
        "个月",
        f"{CONSTITUTION} 第九条",
        U_LAPSE,
        "A",
        True,
    ),
    # Study hours (学习培训)
    (
        "study.hours.member",
        "党员年度集中学习培训学时",
        "32",
        "decimal",
        "学时",
        f"{EDUCATION_RULES} 第二十条",
        U_EDU,
        "A",
        True,
    ),
    (
        "study.hours.secretary",
        "党组织书记和班子成员年度学时",
        "56",
        "decimal",
        "学时",
        "《2019—2023年全国党员教育培训工作规划》(2024—2028年规划是否保留待核实)",
        U_PLAN,
        "A",
        False,
    ),
    (
        "study.pace_share",
        "年中学时进度低于应有进度的比例时提示",
        "0.5",
        "decimal",
        "",
        LUOSHI,
        "",
        "C",
        False,
    ),
    ("study.credit.branch_assembly", "支部党员大会计入学时", "1.5", "decimal", "学时", LOCAL, "", "C", False),
    ("study.credit.committee", "支委会计入学时", "1", "decimal", "学时", LOCAL, "", "C", False),
    ("study.credit.group", "党小组会计入学时", "1", "decimal", "学时", LOCAL, "", "C", False),
    ("study.credit.lecture", "党课计入学时", "2", "decimal", "学时", LOCAL, "", "C", False),
    ("study.credit.theme_day", "主题党日计入学时", "2", "decimal", "学时", LOCAL, "", "C", False),
    ("study.credit.life_meeting", "组织生活会计入学时", "2", "decimal", "学时", LOCAL, "", "C", False),
    ("study.credit.appraisal", "民主评议党员计入学时", "1", "decimal", "学时", LOCAL, "", "C", False),
    ("study.credit.talk", "谈心谈话计入学时", "0", "decimal", "学时", LOCAL, "", "C", False),
    ("study.credit.leader_lecture", "领导干部讲党课计入学时", "2", "decimal", "学时", LOCAL, "", "C", False),
    # Attendance and formalism (流于形式)
    (
        "attendance.min_rate",
        "会议出席率下限",
        "0.8",
        "decimal",
        "",
        f"{LOCAL}(主题党日出席率不低于80%)",
        U_THEME,
        "C",
        False,
    ),
    ("formalism.bunched_days", "期末集中召开的天数窗口", "15", "int", "天", LUOSHI, "", "C", False),
    ("formalism.bunched_min", "期末集中召开的最少会议数", "3", "int", "次", LUOSHI, "", "C", False),
    ("formalism.bunched_share", "期末集中召开占本期会议的比例", "0.6", "decimal", "", LUOSHI, "", "C", False),
    ("formalism.min_chars", "会议记录最少字数", "80", "int", "字", LUOSHI, "", "C", False),
    (
        "formalism.similarity",
        "会议记录雷同的相似度阈值(Jaccard)",
        "0.8",
        "decimal",
        "",
        LUOSHI,
        "",
        "C",
        False,
    ),
    ("formalism.copied_runs", "连续出席名单完全相同的会议次数", "3", "int", "次", LUOSHI, "", "C", False),
    ("formalism.photo_distance", "照片重复的感知哈希距离上限", "3", "int", "位", LUOSHI, "", "C", False),
    # Score weights (考评扣分权重)
    ("score.weight.high", "严重问题扣分", "10", "decimal", "分", LUOSHI, "", "C", False),
    ("score.weight.medium", "一般问题扣分", "4", "decimal", "分", LUOSHI, "", "C", False),
    ("score.weight.low", "提示问题扣分", "1", "decimal", "分", LUOSHI, "", "C", False),
]


def seed_defaults(apps=None) -> None:
    """Create the national defaults that are missing (idempotent). ``apps`` is the migration
    state's registry inside a migration, the live registry elsewhere (tests)."""
    if apps is None:
        from django.apps import apps
    effective = datetime.date.fromisoformat(EFFECTIVE_FROM)
    seed_rows(apps, [(*row, effective) for row in DEFAULTS])
    # Member development (发展党员): the 2014 rules and the (unconfirmed) 2026 revision.
    from party.development.defaults import seed_development_defaults

    seed_development_defaults(apps)
    # Transfers, floating members and dues (组织关系转接、流动党员、党费).
    from party.membership.defaults import seed_membership_defaults

    seed_membership_defaults(apps)
    # Elections and approvals (换届选举、书记副书记报批).
    from party.terms.defaults import seed_term_defaults

    seed_term_defaults(apps)
    # 谈心谈话 (heart-to-heart talks).
    from party.talks.defaults import seed_talk_defaults

    seed_talk_defaults(apps)
    # 书记抓基层党建工作述职评议考核 (the secretaries' yearly report and appraisal).
    from party.duty_review.defaults import seed_duty_review_defaults

    seed_duty_review_defaults(apps)
    # 扫码签到 (QR sign-in at meetings).
    from party.life.defaults import seed_signin_defaults

    seed_signin_defaults(apps)
    # 理论学习中心组 (the committee's theory study group).
    from party.study_group.defaults import seed_study_group_defaults

    seed_study_group_defaults(apps)
