"""Rule data of 巡视巡察整改, stored as ``party.RuleParameter`` rows (codes ``rectify.*``) so they
share the versioning and local-override mechanism and are edited in the admin (规则参数). Sources
and confidence in ``docs/apps/rectify.md``."""

import datetime

XUNSHI_2015 = datetime.date(2015, 8, 3)  # 《中国共产党巡视工作条例》2015年修订版发布
RULES = "《中国共产党巡视工作条例》"
LOCAL = "地方常见做法(可按本地规定修改)"
U_2015 = "http://m.jianbiaoku.com/webarbs/book/164553/4714580.shtml"
U_2024 = "http://www.ifanyin.com/tsshzy/info/1542/2793.htm"

# code, name, value, type, unit, source, url, confidence, confirmed, effective from
ROWS = [
    (
        "rectify.xunshi_report_months",
        "巡视反馈后报送整改情况报告的期限",
        "2",
        "int",
        "个月",
        f"{RULES}(2015)第二十七条:收到反馈意见后2个月内报送整改情况报告;2024年修订版条款号待核",
        U_2015,
        "B",
        False,
        XUNSHI_2015,
    ),
    (
        "rectify.xuncha_report_months",
        "巡察反馈后报送整改情况报告的期限",
        "2",
        "int",
        "个月",
        f"{RULES}(市县党委巡察参照执行)及地方巡察工作实施办法",
        U_2024,
        "C",
        False,
        XUNSHI_2015,
    ),
    (
        "rectify.self_check_months",
        "自查(述职评议)发现问题的整改期限",
        "3",
        "int",
        "个月",
        f"{LOCAL}",
        "",
        "C",
        False,
        XUNSHI_2015,
    ),
    (
        "rectify.finding_months",
        "合规检查发现问题转整改的整改期限",
        "3",
        "int",
        "个月",
        f"{LOCAL}(党建考评按季度检查,下一季度内整改到位)",
        "",
        "C",
        False,
        XUNSHI_2015,
    ),
]


def seed_defaults(apps=None) -> None:
    if apps is None:
        from django.apps import apps
    from party.rules.seeding import seed_rows

    seed_rows(apps, ROWS)
