"""``manage.py export_import_template KIND [-o FILE]``: write the blank Excel template of an import."""

from pathlib import Path

from django.core.management.base import BaseCommand

from orgs.imports import IMPORTERS, template_workbook


class Command(BaseCommand):
    help = "导出批量导入的 Excel 模板(列名、一行示例和填写说明)"

    def add_arguments(self, parser):
        parser.add_argument(
            "kind", choices=sorted(IMPORTERS), help="导入类型:orgs(组织架构)或 people(人员及任职)"
        )
        parser.add_argument("-o", "--output", help="输出文件路径;默认为 <类型>导入模板.xlsx")

    def handle(self, *args, kind, output, **options):
        path = Path(output or f"{IMPORTERS[kind].label}导入模板.xlsx")
        path.write_bytes(template_workbook(kind))
        self.stdout.write(self.style.SUCCESS(f"已写入 {path}"))
