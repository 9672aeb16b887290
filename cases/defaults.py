"""National-default configuration seeded by a data migration; all of it is editable in the admin.

Categories: GB/T 30428 部件/事件 major classes with common minor classes, plus social-governance
categories used by grid management. Limits: common 数字城管 and 12345 practice (rules.md §8.5,
§8.13; anchors.md §1.6) — emergencies in working hours, ordinary cases in working days.
"""

# (code, name, kind, requires_verification, [(code, name), ...])
CATEGORIES = [
    (
        "01",
        "公用设施",
        "component",
        False,
        [
            ("0101", "井盖破损缺失"),
            ("0102", "路灯损坏"),
            ("0103", "供水管道漏水"),
            ("0104", "消防设施损坏"),
            ("0105", "公共厕所故障"),
        ],
    ),
    (
        "02",
        "道路交通",
        "component",
        False,
        [
            ("0201", "道路破损"),
            ("0202", "交通标志损坏"),
            ("0203", "护栏损坏"),
            ("0204", "公交站亭损坏"),
        ],
    ),
    (
        "03",
        "市容环境",
        "event",
        False,
        [
            ("0301", "暴露垃圾"),
            ("0302", "积存垃圾渣土"),
            ("0303", "道路不洁"),
            ("0304", "乱张贴乱涂写"),
            ("0305", "油烟污染"),
        ],
    ),
    (
        "04",
        "园林绿化",
        "component",
        False,
        [
            ("0401", "绿地脏乱"),
            ("0402", "树木倒伏"),
            ("0403", "绿地被占"),
        ],
    ),
    (
        "05",
        "街面秩序",
        "event",
        False,
        [
            ("0501", "占道经营"),
            ("0502", "店外经营"),
            ("0503", "违规停放车辆"),
            ("0504", "流动摊贩"),
        ],
    ),
    (
        "06",
        "施工管理",
        "event",
        True,
        [
            ("0601", "施工扰民"),
            ("0602", "违法建设"),
            ("0603", "工地扬尘"),
            ("0604", "渣土车辆遗撒"),
        ],
    ),
    (
        "07",
        "突发事件",
        "event",
        False,
        [
            ("0701", "路面塌陷"),
            ("0702", "道路积水"),
            ("0703", "燃气泄漏"),
            ("0704", "供水中断"),
        ],
    ),
    (
        "20",
        "社会治理",
        "social",
        False,
        [
            ("2001", "邻里纠纷"),
            ("2002", "物业纠纷"),
            ("2003", "噪音扰民"),
            ("2004", "安全隐患"),
            ("2005", "群租房"),
            ("2006", "宠物扰民"),
            ("2007", "养老服务"),
            ("2008", "矛盾调解"),
        ],
    ),
]

# (stage, urgency, limit, unit)
SLA_DEFAULTS = [
    ("register", "emergency", 1, "work_hours"),
    ("register", "urgent", 2, "work_hours"),
    ("register", "ordinary", 1, "work_days"),
    ("dispatch", "emergency", 1, "work_hours"),
    ("dispatch", "urgent", 2, "work_hours"),
    ("dispatch", "ordinary", 1, "work_days"),
    ("sign", "emergency", 0.5, "work_hours"),
    ("sign", "urgent", 2, "work_hours"),
    ("sign", "ordinary", 4, "work_hours"),
    ("return_window", "emergency", 1, "work_hours"),
    ("return_window", "urgent", 2, "work_hours"),
    ("return_window", "ordinary", 1, "work_days"),
    ("handle", "emergency", 2, "work_hours"),
    ("handle", "urgent", 1, "work_days"),
    ("handle", "ordinary", 5, "work_days"),
    ("check", "emergency", 2, "work_hours"),
    ("check", "urgent", 1, "work_days"),
    ("check", "ordinary", 2, "work_days"),
    ("callback", "emergency", 1, "work_days"),
    ("callback", "urgent", 2, "work_days"),
    ("callback", "ordinary", 3, "work_days"),
    # 吹哨报到: a summoned department reports to the scene / the case within this limit.
    ("report_in", "emergency", 1, "work_hours"),
    ("report_in", "urgent", 2, "work_hours"),
    ("report_in", "ordinary", 1, "work_days"),
]
SLA_EFFECTIVE_FROM = "2020-01-01"
SLA_NOTE = "系统默认值(参考数字城管与12345常见做法),请按本地标准调整"


def seed_defaults(apps=None) -> None:
    """Create the default categories and limits that are missing (idempotent). ``apps`` is the
    migration state's registry inside a migration, the live registry elsewhere (tests)."""
    import datetime
    from decimal import Decimal

    if apps is None:
        from django.apps import apps
    Category = apps.get_model("cases", "Category")
    SlaRule = apps.get_model("cases", "SlaRule")
    for sort, (code, name, kind, verify, children) in enumerate(CATEGORIES):
        parent, _ = Category.objects.get_or_create(
            code=code,
            defaults={"name": name, "kind": kind, "requires_verification": verify, "sort": sort * 100},
        )
        for i, (child_code, child_name) in enumerate(children):
            Category.objects.get_or_create(
                code=child_code,
                defaults={
                    "name": child_name,
                    "kind": kind,
                    "parent": parent,
                    "requires_verification": verify,
                    "sort": sort * 100 + i + 1,
                },
            )
    effective = datetime.date.fromisoformat(SLA_EFFECTIVE_FROM)
    for stage, urgency, limit, unit in SLA_DEFAULTS:
        SlaRule.objects.get_or_create(
            category=None,
            urgency=urgency,
            stage=stage,
            effective_from=effective,
            defaults={"limit": Decimal(str(limit)), "unit": unit, "note": SLA_NOTE},
        )
