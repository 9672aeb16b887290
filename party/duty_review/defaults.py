"""Rule data of 述职评议考核 (the secretaries' yearly report and appraisal), seeded as national
defaults (``RuleParameter`` rows, versioned and editable in the admin; a row with ``org`` set is a
local rule for that committee's subtree).

- ``duty_review.items``: the appraisal items of a round, in order (codes separated by commas);
- ``duty_review.weight.<item>``: each item's weight (权重, %; the row's name is the item's label);
- ``duty_review.level.good|fair|average``: the lowest weighted score of 好 / 较好 / 一般 (below: 差).

Sources and confidence (docs/apps/party.md, "述职评议考核"): the yearly 书记抓基层党建工作述职评议考核
is required of every level's party (工)委 secretaries by the 中组部 guidance on carrying out the
report and appraisal (2014, extended to 县乡 in 2015) and by 《中国共产党党组织工作条例》 (2021)
第三十七条 (confidence B: several sources agree; the clause number to be checked). The items and
weights are a common local practice (each province/district sets its own table; confidence C), the
four levels 好/较好/一般/差 are the guidance's (B), the thresholds are Luoshi's defaults (C).
"""

import datetime

from party.rules.seeding import seed_rows

GUIDANCE = "中组部《关于开展市县乡党委书记抓基层党建工作述职评议考核的意见》(2014)及各地实施办法"
RULES_2021 = "《中国共产党党组织工作条例》(2021)第三十七条"
LOCAL = "各地述职评议考核实施办法通行做法(权重可按本地规定修改)"
LUOSHI = "落实系统默认阈值(可按本地规定修改)"
U_GUIDE = "http://www.12371.cn/special/sjsdjsp/"
EFFECTIVE = datetime.date(2015, 1, 1)

ITEMS = [
    ("first_duty", "履行第一责任人职责", "20"),
    ("organization", "抓基层组织建设", "20"),
    ("members", "党员队伍建设", "20"),
    ("three_one", "落实“三会一课”等组织生活制度", "20"),
    ("problems", "解决突出问题", "20"),
]

# code, name, value, type, unit, source, url, confidence, confirmed
ROWS = [
    (
        "duty_review.items",
        "述职评议考核项目(代码,按顺序以逗号分隔)",
        ",".join(code for code, _label, _weight in ITEMS),
        "text",
        "",
        f"{LOCAL};依据 {GUIDANCE}",
        U_GUIDE,
        "C",
        False,
    ),
    *[
        (
            f"duty_review.weight.{code}",
            label,
            weight,
            "decimal",
            "%",
            f"{LOCAL};评议内容见 {GUIDANCE}、{RULES_2021}",
            U_GUIDE,
            "C",
            False,
        )
        for code, label, weight in ITEMS
    ],
    (
        "duty_review.level.good",
        "述职评议等次“好”的最低综合得分",
        "90",
        "decimal",
        "分",
        f"{LUOSHI};等次(好、较好、一般、差)见 {GUIDANCE}",
        U_GUIDE,
        "C",
        False,
    ),
    (
        "duty_review.level.fair",
        "述职评议等次“较好”的最低综合得分",
        "80",
        "decimal",
        "分",
        f"{LUOSHI};等次(好、较好、一般、差)见 {GUIDANCE}",
        U_GUIDE,
        "C",
        False,
    ),
    (
        "duty_review.level.average",
        "述职评议等次“一般”的最低综合得分(低于此为“差”)",
        "60",
        "decimal",
        "分",
        f"{LUOSHI};等次(好、较好、一般、差)见 {GUIDANCE}",
        U_GUIDE,
        "C",
        False,
    ),
]


def seed_duty_review_defaults(apps=None) -> None:
    if apps is None:
        from django.apps import apps
    seed_rows(apps, [(*row, EFFECTIVE) for row in ROWS])
