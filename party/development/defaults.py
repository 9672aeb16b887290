"""Rule data of member development (发展党员规则参数), two versions:

* **2014** — 《中国共产党发展党员工作细则》(中办, 2014-06-10), the default. Article numbers and
  confidence grades from ``shared/domain/rules.md`` §2.
* **2026** — the revision reported in rules.md §0 (issued around 2026-05-11). Its text could not be
  checked, so every 2026 row is seeded **unconfirmed** (``confirmed=False``); an administrator
  confirms it (``development.confirm_rule_version``) once the official text is at hand. Until then
  steps judged under it show "未经确认", and rules that exist only in 2026 flag rather than refuse.

Each step is judged by the version in force on that step's date (``Rules.load(step day)``:
the row with the latest ``effective_from`` not after the day).
"""

import datetime

V2014 = "2014"
V2026 = "2026"
EFFECTIVE = {V2014: datetime.date(2014, 6, 10), V2026: datetime.date(2026, 5, 11)}

R14 = "《中国共产党发展党员工作细则》(2014)"
R26 = "《中国共产党发展党员工作细则》(2026年5月修订,据报道,官方文本待核)"
LOCAL = "地方常见做法(可按本地规定修改)"
LUOSHI = "落实系统默认阈值(可按本地规定修改)"
U_TALK = "http://noimix.com/main/dqgz/ppdj/dwzs/634838/index.html"
U_AGE = "https://m.taodocs.com/p-21822919.html"
U_13 = "https://www.topnews9.com/jxzs/202208/660131.html"
U_REVIEW = "https://m.taodocs.com/p-675933586.html"
U_VOTE = "https://88.wendadaohang.com/zd/MVKtSVStK1accKSBcSa.html"
U_APPROVE = "https://p2.ttnews.xyz/a/5e5f7733dc9b5e42aa24906c?lang=zh-hant"
U_AUTH = "http://fuwu.12371.cn/2017/07/24/ARTI1500860283547773.shtml"
U_PROBATION = "https://78911.com.cn/DangAnGuanLiZhiDu/575726-5.html"
U_PUBLIC = "http://www.tccu.edu.cn/wgy/2019/0517/c2280a17618/page.htm"
U_2026 = "https://www.12371.cn/2026/05/18/ARTI1779102179030620.shtml"

# code, name, 2014 value, 2026 value, type, unit, 2014 source, url, 2014 confidence, 2014 confirmed,
# 2026 source (None: same article as 2014 reported unchanged)
ROWS = [
    ("dev.version", "发展党员细则版本", V2014, V2026, "text", "", R14, U_AGE, "A", True, R26),
    (
        "dev.min_age",
        "申请入党最低年龄",
        "18",
        "18",
        "int",
        "岁",
        f"{R14} 第五条;党章 第一条",
        U_AGE,
        "A",
        True,
        None,
    ),
    (
        "dev.talk_months",
        "收到申请后派人谈话期限",
        "1",
        "1",
        "int",
        "个月",
        f"{R14} 第七条",
        U_TALK,
        "A",
        True,
        None,
    ),
    (
        "dev.activist_months",
        "积极分子培养教育最短期限",
        "12",
        "12",
        "int",
        "个月",
        f"{R14} 第十三条",
        U_13,
        "A",
        True,
        None,
    ),
    (
        "dev.assess_months",
        "积极分子考察周期",
        "6",
        "6",
        "int",
        "个月",
        f"{R14} 第十一条",
        U_13,
        "A",
        True,
        None,
    ),
    ("dev.mentors_min", "培养联系人最少人数", "1", "1", "int", "人", f"{R14} 第九条", U_13, "A", True, None),
    ("dev.mentors_max", "培养联系人最多人数", "2", "2", "int", "人", f"{R14} 第九条", U_13, "A", True, None),
    (
        "dev.sponsors",
        "入党介绍人人数",
        "2",
        "2",
        "int",
        "人",
        f"党章 第五条;{R14} 第十四条",
        U_AUTH,
        "A",
        True,
        None,
    ),
    (
        "dev.training_days",
        "集中培训最少天数",
        "3",
        "3",
        "int",
        "天",
        f"{R14} 第十七条",
        U_REVIEW,
        "A",
        True,
        None,
    ),
    (
        "dev.training_hours",
        "集中培训最少学时",
        "24",
        "24",
        "int",
        "学时",
        f"{R14} 第十七条",
        U_REVIEW,
        "A",
        True,
        None,
    ),
    (
        "dev.approval_months",
        "上级党委审批期限",
        "3",
        "3",
        "int",
        "个月",
        f"{R14} 第四章(审批)",
        U_APPROVE,
        "A",
        True,
        None,
    ),
    (
        "dev.approval_max_months",
        "审批期限最长(特殊情况)",
        "6",
        "6",
        "int",
        "个月",
        f"{R14} 第四章(审批)",
        U_APPROVE,
        "A",
        True,
        None,
    ),
    (
        "dev.probation_months",
        "预备期",
        "12",
        "12",
        "int",
        "个月",
        f"{R14} 第三十二条;党章 第七条",
        U_PROBATION,
        "A",
        True,
        None,
    ),
    (
        "dev.extension_min_months",
        "延长预备期最短",
        "6",
        "6",
        "int",
        "个月",
        f"{R14} 第三十二条",
        U_PROBATION,
        "A",
        True,
        None,
    ),
    (
        "dev.extension_max_months",
        "延长预备期最长",
        "12",
        "12",
        "int",
        "个月",
        f"{R14} 第三十二条",
        U_PROBATION,
        "A",
        True,
        None,
    ),
    (
        "dev.full_approval_months",
        "转正审批期限",
        "3",
        "3",
        "int",
        "个月",
        f"{R14} 第三十四条",
        U_PROBATION,
        "A",
        True,
        None,
    ),
    # 公示: no national duration in 2014 (local ≥5 working days); reportedly national at the
    # candidate step in 2026 (Art. 13).
    (
        "dev.notice_workdays",
        "公示期(工作日)",
        "5",
        "5",
        "int",
        "个工作日",
        f"{LOCAL}(2014年细则未规定全国统一时长)",
        U_PUBLIC,
        "C",
        False,
        f"{R26} 第十三条",
    ),
    (
        "dev.candidate_notice",
        "确定发展对象前须公示(1是0否)",
        "0",
        "1",
        "int",
        "",
        f"{R14}(未作全国规定)",
        U_13,
        "C",
        False,
        f"{R26} 第十三条",
    ),
    (
        "dev.candidate_approval",
        "确定发展对象须上级党委同意(1是0否,0为备案)",
        "0",
        "1",
        "int",
        "",
        f"{R14} 第十三条(备案)",
        U_13,
        "A",
        True,
        f"{R26} 第十三条",
    ),
    (
        "dev.vote_after_prereview_months",
        "预审后召开支部大会期限(0为不限)",
        "0",
        "1",
        "int",
        "个月",
        f"{R14}(未作规定)",
        U_VOTE,
        "C",
        False,
        f"{R26} 第十九条",
    ),
    (
        "dev.oath_months",
        "审批后入党宣誓期限(0为不限)",
        "0",
        "1",
        "int",
        "个月",
        f"{R14} 第三十条(未规定期限)",
        U_PROBATION,
        "A",
        True,
        f"{R26} 第二十九条",
    ),
    # Plans and rush detection (发展计划, 突击发展): Luoshi thresholds.
    (
        "dev.rush_days",
        "突击发展判定:时间窗口",
        "30",
        "30",
        "int",
        "天",
        f"{R14} 第三条(防止突击发展);{LUOSHI}",
        U_AGE,
        "C",
        False,
        None,
    ),
    (
        "dev.rush_share",
        "突击发展判定:窗口内接收占全年计划的比例",
        "0.5",
        "0.5",
        "decimal",
        "",
        LUOSHI,
        "",
        "C",
        False,
        None,
    ),
    ("dev.rush_min", "突击发展判定:窗口内最少接收人数", "3", "3", "int", "人", LUOSHI, "", "C", False, None),
]


def seed_development_defaults(apps=None) -> None:
    """Create the missing 2014 and 2026 rows (idempotent). The 2026 rows are unconfirmed."""
    if apps is None:
        from django.apps import apps
    RuleParameter = apps.get_model("party", "RuleParameter")
    for code, name, v14, v26, vtype, unit, source, url, conf, confirmed, source26 in ROWS:
        for version, value in ((V2014, v14), (V2026, v26)):
            later = version == V2026
            RuleParameter.objects.get_or_create(
                code=code,
                org=None,
                effective_from=EFFECTIVE[version],
                defaults={
                    "name": name,
                    "value": value,
                    "value_type": vtype,
                    "unit": unit,
                    "source": (source26 or f"{R26}(据报道沿用:{source})") if later else source,
                    "source_url": U_2026 if later else url,
                    "confidence": "unconfirmed" if later else conf,
                    "confirmed": False if later else confirmed,
                    "org_path": "",
                    "note": "2026年修订版,待管理员对照官方文本确认" if later else "",
                },
            )
