"""``luoshi cases summaries --check [--month 2026-10]``: compare the stored monthly figures of the
rankings with the raw rows; ``--rebuild``: recompute them from the raw rows (every month with data
when no ``--month`` is given)."""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError


def _month(text: str) -> dt.date:
    try:
        year, month = (int(part) for part in text.split("-"))
        return dt.date(year, month, 1)
    except ValueError as error:
        raise CommandError(f"--month 格式应为 YYYY-MM:{text}") from error


class Command(BaseCommand):
    help = "网格事项:月度考核汇总的核对(summaries --check)与重建(summaries --rebuild)"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        summaries = sub.add_parser("summaries", help="月度考核汇总(综合评价排名所用)")
        mode = summaries.add_mutually_exclusive_group(required=True)
        mode.add_argument("--check", action="store_true", help="与原始记录核对,列出不一致之处")
        mode.add_argument("--rebuild", action="store_true", help="按原始记录重建")
        summaries.add_argument("--month", default=None, help="月份 YYYY-MM(默认:所有有数据的月份)")

    def handle(self, *args, **options):
        from cases import summaries

        months = [_month(options["month"])] if options["month"] else summaries.months_with_data()
        if options["rebuild"]:
            for month in months:
                rows = summaries.rebuild(month)
                self.stdout.write(f"{month:%Y-%m}:已重建 {rows} 行")
            self.stdout.write(f"共重建 {len(months)} 个月")
            return
        differences = [difference for month in months for difference in summaries.check(month)]
        for difference in differences:
            self.stdout.write(str(difference))
        if differences:
            raise CommandError(
                f"{len(differences)} 处不一致(可运行 luoshi cases summaries --rebuild"
                + (f" --month {options['month']}" if options["month"] else "")
                + " 重建)"
            )
        self.stdout.write(f"已核对 {len(months)} 个月,汇总与原始记录一致")
