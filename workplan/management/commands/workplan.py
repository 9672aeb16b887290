"""``luoshi workplan draft FILE``: print the draft task tree a speech or document yields.
``luoshi workplan ladder``: run one pass of the escalation ladder now."""

from __future__ import annotations

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "督查督办:从讲话/文件生成任务草稿(draft),或立即运行一次催办督办(ladder)"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        draft = sub.add_parser("draft", help="打印讲话/文件的任务草稿(每行一项,缩进表示层级,[建议牵头单位])")
        draft.add_argument("file", help="UTF-8 或 GB18030 文本文件;“-”表示标准输入")
        draft.add_argument("--year", type=int, default=None, help="推算“6月底前”等时限所用的年度(默认今年)")
        draft.add_argument("--no-orgs", action="store_true", help="不按组织架构匹配单位,只输出文中的称谓")
        sub.add_parser("ladder", help="立即运行一次催办、督办、通报、问责建议")

    def handle(self, *args, **options):
        if options["action"] == "ladder":
            from workplan.escalation import run_ladder

            report = run_ladder()
            self.stdout.write(
                f"催办 {report.reminders},督办通知单 {report.notices},通报 {report.circulars},"
                f"问责建议 {report.proposals},已处理过 {report.skipped}"
            )
            for error in report.errors:
                self.stderr.write(error)
            return
        from workplan.extract import extract, render_carriers, render_outline, render_principles
        from workplan.units import UnitMatcher

        name = options["file"]
        if name == "-":
            raw = sys.stdin.buffer.read()
        else:
            path = Path(name)
            if not path.is_file():
                raise CommandError(f"文件不存在:{name}")
            raw = path.read_bytes()
        for encoding in ("utf-8-sig", "gb18030"):
            try:
                text = raw.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
        else:
            raise CommandError("无法识别文件编码,请另存为 UTF-8 文本")
        matcher = None
        if not options["no_orgs"]:
            from django.db import DatabaseError

            try:
                matcher = UnitMatcher()
            except DatabaseError:
                self.stderr.write("注意:数据库尚未初始化(luoshi manage migrate),单位按文中称谓输出")
        draft = extract(text, matcher=matcher, year=options["year"])
        if draft.title:
            self.stdout.write(f"# {draft.title}")
        outline = render_outline(draft)
        if outline:
            self.stdout.write(outline)
        carriers = render_carriers(draft)
        if carriers:
            self.stdout.write("\n# 承载模块(由哪项功能承载)")
            self.stdout.write(carriers)
        principles = render_principles(draft)
        if principles:
            self.stdout.write("\n# 原则要求(不列为督办任务)")
            self.stdout.write(principles)
        for warning in draft.warnings:
            self.stderr.write(f"注意:{warning}")
