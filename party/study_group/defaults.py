"""Rule data of the 党委(党组)理论学习中心组 (theory study group), seeded as national defaults
(``RuleParameter`` rows, editable and versioned like the others; a row with ``org`` set is a local
rule for that subtree).

* ``study_group.min_sessions`` — 《中国共产党党委(党组)理论学习中心组学习规则》(中办 2017年1月30日印发,
  5章17条): 中心组每年集体学习研讨一般不少于12次. Confidence B: the figure is quoted alike by many
  provincial and county documents; the article number was not checked against the original text.
* ``study_group.min_seminars`` — 专题研讨 each year: the 2017 rules ask that collective study be
  organized around 专题 with 研讨 but fix no separate count in the text Luoshi could check; 4 (one a
  quarter) is a common local requirement. Confidence C.
* ``study_group.min_minutes`` — 每次集体学习时间一般不少于半天 (local documents, e.g. 县委中心组学习
  制度): half a day counted as 180 minutes. Confidence C.
* ``study_group.pace_month`` — Luoshi's default: from this month the yearly minimum is also judged
  pro rata (a low pace warning); the gap itself once the year is over.
"""

import datetime

from party.rules.seeding import seed_rows

RULES_2017 = "《中国共产党党委(党组)理论学习中心组学习规则》(中办 2017)"
LUOSHI = "落实系统默认阈值(可按本地规定修改)"
U_RULES = "http://czj.panzhihua.gov.cn/dflzjs/860456.shtml"
EFFECTIVE = datetime.date(2017, 1, 30)

# code, name, value, type, unit, source, url, confidence, confirmed
ROWS = [
    (
        "study_group.min_sessions",
        "理论学习中心组每年集体学习最少次数",
        "12",
        "int",
        "次",
        f"{RULES_2017}:中心组每年集体学习研讨一般不少于12次(条款号待核)",
        U_RULES,
        "B",
        False,
    ),
    (
        "study_group.min_seminars",
        "理论学习中心组每年专题研讨最少次数",
        "4",
        "int",
        "次",
        f"{RULES_2017} 要求围绕专题开展研讨;每季度至少1次专题研讨为地方做法",
        U_RULES,
        "C",
        False,
    ),
    (
        "study_group.min_minutes",
        "中心组每次集体学习最短时长(半天)",
        "180",
        "int",
        "分钟",
        "地方中心组学习制度:每次集中学习时间一般不少于半天(按180分钟计)",
        "",
        "C",
        False,
    ),
    (
        "study_group.pace_month",
        "中心组学习次数进度提示起始月份(此月1日起按月份比例提示,年度结束后为问题)",
        "7",
        "int",
        "月",
        LUOSHI,
        "",
        "C",
        False,
    ),
]


def seed_study_group_defaults(apps=None) -> None:
    if apps is None:
        from django.apps import apps
    seed_rows(apps, [(*row, EFFECTIVE) for row in ROWS])
