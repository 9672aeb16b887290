"""Rule data of 谈心谈话 (heart-to-heart talks, rules.md 1.17 and 1.15), seeded as national defaults
(``RuleParameter`` rows, editable and versioned like the others; a row with ``org`` set is a local
rule for that subtree).

The 条例 says talks between committee members, between committee members and members and between
members are "each generally ≥1 per year"; that *every* pair of committee members talks is a local
interpretation (rules.md 1.17), so it is a switch (``talk.committee_pairwise``). The judging dates
are Luoshi's defaults: a low-severity pace warning from October (the 组织生活会 — which the talks
precede, rules.md 1.15 — is usually held in Q4), a gap once the year is over.
"""

import datetime

from party.rules.seeding import seed_rows

BRANCH_RULES = "《中国共产党支部工作条例(试行)》(2018)"
LUOSHI = "落实系统默认阈值(可按本地规定修改)"
U_TALK = "http://jsjx.cxxy.seu.edu.cn/2021/0529/c371a48041/page.htm"
U_LIFE = "https://miniwenda.com/life/245598.html"
EFFECTIVE = datetime.date(2018, 10, 28)

# code, name, value, type, unit, source, url, confidence, confirmed
ROWS = [
    (
        "talk.committee_pairwise",
        "支委之间须两两谈心谈话(1 要求,0 只要求与其他支委至少谈1次)",
        "1",
        "int",
        "",
        f"{BRANCH_RULES} 第五章(第十九条):支部委员之间、支部委员和党员之间、党员和党员之间,"
        "每年谈心谈话一般不少于1次;两两全覆盖为地方做法",
        U_TALK,
        "C",
        False,
    ),
    (
        "talk.pace_month",
        "谈心谈话覆盖进度提示起始月份(此月1日起未全覆盖即提示,年度结束后为问题)",
        "10",
        "int",
        "月",
        f"{LUOSHI};组织生活会一般在第四季度召开,会前开展谈心谈话({BRANCH_RULES} 第十七条)",
        U_LIFE,
        "C",
        False,
    ),
    (
        "talk.new_member_days",
        "新入党党员暂不计入谈话覆盖的天数(自入党之日起)",
        "30",
        "int",
        "天",
        LUOSHI,
        "",
        "C",
        False,
    ),
    (
        "talk.summary_min_chars",
        "谈心谈话内容摘要最少字数",
        "15",
        "int",
        "字",
        LUOSHI,
        "",
        "C",
        False,
    ),
    (
        "talk.before_life_days",
        "组织生活会前谈心谈话的时间范围(会前天数)",
        "90",
        "int",
        "天",
        f"{BRANCH_RULES} 第十七条:召开组织生活会前,应当开展谈心谈话(天数为落实系统默认)",
        U_LIFE,
        "C",
        False,
    ),
]


def seed_talk_defaults(apps=None) -> None:
    if apps is None:
        from django.apps import apps
    seed_rows(apps, [(*row, EFFECTIVE) for row in ROWS])
