"""Rule data of 四议两公开 (village decisions), stored as ``party.RuleParameter`` rows (codes
``village.*``) so they share the versioning and local-override mechanism. Sources and grades from
``shared/domain/rules.md`` §5: the 村民委员会组织法 numbers are grade A; the 党员大会 quorum, the
disclosure periods and the overall time frame are local practice (C) and meant to be overridden
per province/county (a row with ``org`` set)."""

import datetime

EFFECTIVE = datetime.date(2019, 1, 1)  # 《中国共产党农村基层组织工作条例》(2019); 组织法 2018 rev.
LAW = "《中华人民共和国村民委员会组织法》(2018修正)"
RURAL = "《中国共产党农村基层组织工作条例》(2019)、中办国办《关于加强和改进乡村治理的指导意见》(2019)"
LOCAL = "地方常见做法(可按本地规定修改)"
U_LAW = "https://github.com/LawRefBook/Laws"
U_4 = "https://tunchang.fytlaw.com/news/202501/09/5929.html"
U_LOCAL = "https://m.70edu.com/wenku/1168442_15.html"

# code, name, value, type, unit, source, url, confidence, confirmed
ROWS = [
    (
        "village.consult_pass",
        "两委会议商议:赞成须超过应到会人数的比例",
        "1/2",
        "text",
        "",
        f"{RURAL}(民主集中制,少数服从多数)",
        U_4,
        "C",
        False,
    ),
    (
        "village.members_quorum",
        "党员大会审议:到会须达到应到党员的比例",
        "2/3",
        "text",
        "",
        f"{LOCAL}(海南、河南等地规范)",
        U_LOCAL,
        "C",
        False,
    ),
    (
        "village.members_pass",
        "党员大会审议:赞成须超过应到党员的比例",
        "1/2",
        "text",
        "",
        f"{LOCAL}(海南、河南等地规范)",
        U_LOCAL,
        "C",
        False,
    ),
    (
        "village.rep_quorum",
        "村民代表会议:到会须达到组成人员的比例",
        "2/3",
        "text",
        "",
        f"{LAW} 第二十六条",
        U_LAW,
        "A",
        True,
    ),
    (
        "village.rep_pass",
        "村民代表会议:赞成须超过到会人员的比例",
        "1/2",
        "text",
        "",
        f"{LAW} 第二十六条",
        U_LAW,
        "A",
        True,
    ),
    (
        "village.assembly_quorum",
        "村民会议:到会须超过本村18周岁以上村民的比例",
        "1/2",
        "text",
        "",
        f"{LAW} 第二十二条",
        U_LAW,
        "A",
        True,
    ),
    (
        "village.assembly_household_quorum",
        "村民会议:或到会户代表须达到户数的比例",
        "2/3",
        "text",
        "",
        f"{LAW} 第二十二条",
        U_LAW,
        "A",
        True,
    ),
    (
        "village.assembly_pass",
        "村民会议:赞成须超过到会人员的比例",
        "1/2",
        "text",
        "",
        f"{LAW} 第二十二条",
        U_LAW,
        "A",
        True,
    ),
    (
        "village.disclose_within",
        "决议作出后公开期限",
        "5",
        "int",
        "天",
        f"{LAW} 第三十条(涉及村民利益的重大事项随时公开);{LOCAL}",
        U_LAW,
        "C",
        False,
    ),
    ("village.resolution_days", "决议公开最短天数", "7", "int", "天", LOCAL, U_4, "C", False),
    ("village.result_days", "实施结果公开最短天数", "7", "int", "天", LOCAL, U_4, "C", False),
    (
        "village.implement_days",
        "决议公开后实施结果公开的一般时限(未关联实施任务时)",
        "180",
        "int",
        "天",
        LOCAL,
        U_4,
        "C",
        False,
    ),
    (
        "village.result_within",
        "实施任务完成时限后公开实施结果的期限",
        "30",
        "int",
        "天",
        LOCAL,
        U_4,
        "C",
        False,
    ),
    (
        "village.remind_days",
        "公开到期前提醒天数",
        "2",
        "int",
        "天",
        LOCAL,
        U_4,
        "C",
        False,
    ),
    (
        "village.total_days",
        "提议至决议公开的一般时限",
        "20",
        "int",
        "天",
        f"{LOCAL}(全程一般20天左右)",
        "https://pinweizhan.com/xiaoshou/xinli/6kjp10.html",
        "C",
        False,
    ),
]


def seed_defaults(apps=None) -> None:
    if apps is None:
        from django.apps import apps
    RuleParameter = apps.get_model("party", "RuleParameter")
    for code, name, value, vtype, unit, source, url, conf, confirmed in ROWS:
        RuleParameter.objects.get_or_create(
            code=code,
            org=None,
            effective_from=EFFECTIVE,
            defaults={
                "name": name,
                "value": value,
                "value_type": vtype,
                "unit": unit,
                "source": source,
                "source_url": url,
                "confidence": conf,
                "confirmed": confirmed,
                "org_path": "",
            },
        )
