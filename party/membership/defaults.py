"""Rule data of transfers, floating members and dues (组织关系转接、流动党员、党费), seeded as
national defaults (``RuleParameter`` rows, editable and versioned like the others).

``dues.backpay_months`` (补缴一般不超过6个月, 第十二条) bounds back-payments and how far back a
reduction (党费减免) may start; ``dues.reduction_max_months`` bounds the span of one reduction.
``dues.base_grace_months`` is how many whole months after the joining month (支部大会通过, rules.md
§3.5) a member may go without a dues base (党费基数) before ``dues.base_missing`` flags it.

Dues brackets are one text row per category, ``"上限:比例,…,*:比例"`` — a band includes its upper
bound (rules.md §3.3: ≤3000 → 0.5% …). Fixed amounts (farmers, students, relief) are in yuan.
"""

import datetime

from party.rules.seeding import seed_rows

DUES_RULES = "中组部《关于中国共产党党费收缴、使用和管理的规定》(2008)"
EDUCATION_RULES = "《中国共产党党员教育管理工作条例》(2019)"
CONSTITUTION = "《中国共产党章程》"
LOCAL_UNCONFIRMED = "本地规则,待确认"
U_DUES = "https://w.sf024.com/info/923586000291194779.html"
U_DUES_12 = "http://uianet.net/dictionary/b6122672.html"
U_EDU_25 = "http://m.return-nm.com/2019/05/24/ARTI1558690848512233.shtml"
U_LAPSE_WARN = "http://cdydjh.com/bgfw/bslc/djgl/156630.html"
U_PROBATIONARY_DUES = "https://m.ejbk.net/changshi/a8Y37aEYg5.html"

EFFECTIVE = {
    "dues": datetime.date(2008, 2, 1),
    "edu": datetime.date(2019, 5, 6),
    "local": datetime.date(2018, 10, 28),
}

# code, name, value, type, unit, source, url, confidence, confirmed, effective key
ROWS = [
    (
        "dues.brackets.salary",
        "在职党员党费比例(税后月工资,含上限)",
        "3000:0.005,5000:0.01,10000:0.015,*:0.02",
        "text",
        "",
        f"{DUES_RULES} 第一条",
        U_DUES,
        "A",
        True,
        "dues",
    ),
    (
        "dues.brackets.retiree",
        "离退休党员党费比例(月退休费,含上限)",
        "5000:0.005,*:0.01",
        "text",
        "",
        f"{DUES_RULES} 第二条",
        U_DUES,
        "A",
        True,
        "dues",
    ),
    (
        "dues.farmer.min",
        "农民党员每月党费下限",
        "0.2",
        "decimal",
        "元",
        f"{DUES_RULES} 第三条",
        U_DUES,
        "A",
        True,
        "dues",
    ),
    (
        "dues.farmer.max",
        "农民党员每月党费上限",
        "1",
        "decimal",
        "元",
        f"{DUES_RULES} 第三条",
        U_DUES,
        "A",
        True,
        "dues",
    ),
    (
        "dues.relief.amount",
        "学生、下岗、领取救济或低保党员每月党费",
        "0.2",
        "decimal",
        "元",
        f"{DUES_RULES} 第四条",
        U_DUES,
        "A",
        True,
        "dues",
    ),
    (
        "dues.backpay_months",
        "党费补缴一般不超过的月数",
        "6",
        "int",
        "个月",
        f"{DUES_RULES} 第十二条",
        U_DUES_12,
        "A",
        True,
        "dues",
    ),
    (
        "dues.reduction_max_months",
        "党费减免一次批准的最长月数",
        "12",
        "int",
        "个月",
        f"{LOCAL_UNCONFIRMED}(规定只要求经党支部研究、报上一级党委批准后少交或免交,未规定期限;"
        "按年度核定、期满重新申请为常见做法)",
        U_DUES_12,
        "C",
        False,
        "local",
    ),
    (
        "dues.arrears_months",
        "欠缴党费提示的月数",
        "3",
        "int",
        "个月",
        f"{CONSTITUTION} 第九条(连续6个月不交纳党费视为自行脱党);3个月提醒教育为地方常见做法",
        U_LAPSE_WARN,
        "C",
        False,
        "local",
    ),
    (
        "dues.base_grace_months",
        "入党后未核定党费基数的宽限月数(入党当月之后满该月数仍未核定即提示)",
        "1",
        "int",
        "个月",
        f"{LOCAL_UNCONFIRMED}(预备党员从支部大会通过之日起交纳党费;宽限月数为本地做法)",
        U_PROBATIONARY_DUES,
        "B",
        False,
        "local",
    ),
    (
        "transfer.away_months",
        "外出应转接组织关系的月数",
        "6",
        "int",
        "个月",
        f"{EDUCATION_RULES} 第二十五条",
        U_EDU_25,
        "A",
        True,
        "edu",
    ),
    (
        "transfer.receipt_days",
        "组织关系转出后待接收的提示天数",
        "30",
        "int",
        "天",
        LOCAL_UNCONFIRMED,
        "",
        "unconfirmed",
        False,
        "local",
    ),
    (
        "commend.notice_workdays",
        "两优一先公示的工作日数",
        "5",
        "int",
        "个工作日",
        "地方常见做法(全国最短公示期未经核实)",
        "https://code.fabao365.com/law_556182_2.html",
        "C",
        False,
        "local",
    ),
]


def seed_membership_defaults(apps=None) -> None:
    if apps is None:
        from django.apps import apps
    seed_rows(apps, [(*row, EFFECTIVE[key]) for *row, key in ROWS])
