"""Defaults of 领导干部走流程, seeded by a data migration and editable in the admin:

* the checklist (``ChecklistItem``): the “四最” wording used by several provinces — 审批事项最少、
  办事效率最高、投资环境最优、群众获得感最强 — plus two common process checks. Provinces word
  “四最” differently (e.g. 流程最优、材料最简、时限最短、服务最好), so the items are data;
* the yearly minimum of walks per leader (``party.RuleParameter`` rows ``walks.yearly_min.*``,
  sharing the rule data's versions and local overrides). No national rule fixes the number: the
  figures are a local default (confidence C, not confirmed) to be set to the local document's.
"""

import datetime

EFFECTIVE = datetime.date(2024, 1, 1)
LOCAL = "地方做法:各地“领导干部走流程”文件要求不一(可按本地规定修改)"
SIMU = (
    "“四最”表述见多地优化营商环境文件"
    "(如“审批事项最少、办事效率最高、投资环境最优、群众获得感最强”),各省表述不同"
)

# code, label, question
CHECKLIST = [
    (
        "fewest_approvals",
        "审批事项最少",
        "办这件事要经过的审批、盖章、证明是否已精简到最少,有无可取消或合并的环节",
    ),
    (
        "highest_efficiency",
        "办事效率最高",
        "实际用时是否在承诺时限内,排队、等候、跑动次数是否最少(最多跑一次)",
    ),
    ("best_environment", "投资环境最优", "窗口服务、政策告知、收费是否规范透明,有无吃拿卡要、推诿扯皮"),
    ("strongest_satisfaction", "群众获得感最强", "以办事群众身份看,是否方便、顺心,愿不愿意给“满意”评价"),
    ("materials", "材料一次告知", "所需材料是否一次性告知清楚,有无重复提交、反复补件"),
    ("online", "网上/掌上可办", "能否在网上或手机上办理,线上线下是否一致"),
]

# code, name, value, type, unit, source, url, confidence, confirmed
RULES = [
    (
        "walks.yearly_min.district",
        "领导干部走流程:区领导每年至少次数",
        "2",
        "int",
        "次",
        f"{LOCAL};本系统默认每半年至少1次",
        "",
        "C",
        False,
    ),
    (
        "walks.yearly_min.department",
        "领导干部走流程:部门负责人每年至少次数",
        "4",
        "int",
        "次",
        f"{LOCAL};本系统默认每季度至少1次",
        "",
        "C",
        False,
    ),
]


def seed_defaults(apps=None) -> None:
    if apps is None:
        from django.apps import apps
    ChecklistItem = apps.get_model("walks", "ChecklistItem")
    for sort, (code, label, question) in enumerate(CHECKLIST, start=1):
        ChecklistItem.objects.get_or_create(
            code=code,
            defaults={
                "label": label,
                "question": question,
                "sort": sort * 10,
                "source": SIMU if sort <= 4 else "常见走流程检查要点(地方做法)",
            },
        )
    RuleParameter = apps.get_model("party", "RuleParameter")
    for code, name, value, vtype, unit, source, url, conf, confirmed in RULES:
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
