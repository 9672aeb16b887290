"""Rule data of 扫码签到 (QR sign-in at a meeting, issue 21 part 7), seeded as national defaults
(``RuleParameter`` rows, editable and versioned like the others; a row with ``org`` set is a local
rule for that subtree).

No national regulation fixes a sign-in window or a tolerance: the 支部工作条例 asks that organization
life be real (第十三条: 防止表面化、形式化) and the 党员教育管理工作条例 that attendance be recorded;
how early a member may sign in, how late, and how many disagreements between the typed list and the
sign-ins are tolerated are Luoshi's defaults, to be set by the local organization department
(confidence C).
"""

import datetime

from party.rules.seeding import seed_rows

LUOSHI = "落实系统默认阈值(可按本地规定修改)"
BRANCH_RULES = "《中国共产党支部工作条例(试行)》(2018)"
EFFECTIVE = datetime.date(2018, 10, 28)

# code, name, value, type, unit, source, url, confidence, confirmed
ROWS = [
    (
        "signin.before_minutes",
        "扫码签到可提前的分钟数(会议开始前)",
        "30",
        "int",
        "分钟",
        LUOSHI,
        "",
        "C",
        False,
    ),
    (
        "signin.after_minutes",
        "扫码签到可延后的分钟数(会议结束后)",
        "30",
        "int",
        "分钟",
        LUOSHI,
        "",
        "C",
        False,
    ),
    (
        "formalism.signin_tolerance",
        "出席登记与扫码签到不一致的容许人数(超过即提示)",
        "1",
        "int",
        "人",
        f"{LUOSHI};{BRANCH_RULES} 第十三条要求防止组织生活表面化、形式化",
        "",
        "C",
        False,
    ),
]


def seed_signin_defaults(apps=None) -> None:
    if apps is None:
        from django.apps import apps
    seed_rows(apps, [(*row, EFFECTIVE) for row in ROWS])
