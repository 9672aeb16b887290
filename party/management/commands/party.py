"""``luoshi party findings ORG``: the compliance findings of an organization, one per line —
severity, rule code, organization, reason (tab-separated)."""

import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q

from orgs.models import Org
from party import compliance


class Command(BaseCommand):
    help = "基层党组织:findings ORG 列出合规检查发现的问题(ORG 为组织编码或完整名称)"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        findings = sub.add_parser("findings", help="列出某组织的问题:严重程度、规则代码、组织、原因")
        findings.add_argument("org", help="组织编码或完整名称(行政区划/单位编码时检查建在其中的党组织)")
        findings.add_argument("--from", dest="start", help="起始日期 YYYY-MM-DD(默认近12个月)")
        findings.add_argument("--to", dest="end", help="截止日期 YYYY-MM-DD")
        findings.add_argument("--evidence", action="store_true", help="同时输出证据")

    def handle(self, *args, action, org, start=None, end=None, evidence=False, **options):
        matches = list(
            Org.objects.filter(Q(code=org) | Q(name=org) | Q(short_name=org), archived_at__isnull=True)[:5]
        )
        exact = [o for o in matches if o.code == org or o.name == org] or matches
        if not exact:
            raise CommandError(f"找不到组织“{org}”(请使用组织编码或完整名称)")
        if len(exact) > 1:
            names = "、".join(f"{o.name}({o.code or o.pk})" for o in exact)
            raise CommandError(f"“{org}”对应多个组织:{names},请使用编码或完整名称")
        try:
            start_day = dt.date.fromisoformat(start) if start else None
            end_day = dt.date.fromisoformat(end) if end else None
        except ValueError as error:
            raise CommandError("日期格式应为 YYYY-MM-DD") from error
        if (start_day is None) != (end_day is None):
            raise CommandError("--from 和 --to 须同时给出")
        if start_day and end_day and start_day > end_day:
            raise CommandError("起始日期不能晚于截止日期")
        for finding in compliance.check(exact[0], start_day, end_day):
            self.stdout.write(finding.line())
            if evidence:
                for line in finding.evidence:
                    self.stdout.write(f"\t\t\t  · {line}")
