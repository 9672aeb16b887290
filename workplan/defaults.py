"""National-default configuration of key-task supervision, seeded by a data migration and editable
in the admin (督办规则). The figures follow common 督查督办 practice (anchors.md §1.6, §10.7): remind
three working days ahead, a reply to a supervision notice within three working days, a circular
when a task is still late five working days after the notice, and a 10-point lag margin for the
red/amber/green board."""

import datetime

DEFAULT_RULE = {
    "effective_from": datetime.date(2020, 1, 1),
    "lag_margin": 10,
    "remind_days": 3,
    "notice_reply_days": 3,
    "circular_after_days": 5,
    "accountability_after_days": 10,
    "max_evidence_mb": 20,
    "note": "全国通行做法默认值,可按本地督查督办办法调整",
}


def seed_defaults(apps=None) -> None:
    """Create the default rule if no rule exists (idempotent)."""
    if apps is None:
        from django.apps import apps
    SupervisionRule = apps.get_model("workplan", "SupervisionRule")
    if not SupervisionRule.objects.exists():
        SupervisionRule.objects.create(**DEFAULT_RULE)
