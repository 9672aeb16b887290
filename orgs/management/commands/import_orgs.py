"""``manage.py import_orgs FILE --as USERNAME``: import the org tree from an Excel file."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from orgs.imports import IMPORTERS, ImportRejected


class ImportCommand(BaseCommand):
    """Shared by ``import_orgs`` and ``import_people``: all-or-nothing, errors one per line."""

    kind = ""

    @property
    def help(self):
        label = IMPORTERS[self.kind].label
        return f"从 Excel(.xlsx)导入{label};全部行校验通过才导入,否则逐行列出错误,不导入任何数据"

    def add_arguments(self, parser):
        parser.add_argument("file", help="Excel 文件(.xlsx)路径")
        parser.add_argument(
            "--as",
            dest="username",
            required=True,
            metavar="USERNAME",
            help="以该用户的身份导入:按其管理范围校验,并记入审计日志",
        )

    def handle(self, *args, file, username, **options):
        actor = get_user_model().objects.filter(username=username).first()
        if actor is None:
            raise CommandError(f"用户“{username}”不存在")
        if not actor.is_active:
            raise CommandError(f"用户“{username}”已停用")
        try:
            with open(file, "rb") as handle:
                result = IMPORTERS[self.kind].run(handle, actor=actor)
        except OSError as exc:
            raise CommandError(f"无法读取文件 {file}: {exc.strerror or exc}") from exc
        except ImportRejected as rejected:
            for error in rejected.errors:
                self.stderr.write(str(error))
            raise CommandError(
                f"导入未执行:发现 {len(rejected.errors)} 处错误,文件中的所有数据均未导入"
            ) from None
        self.stdout.write(self.style.SUCCESS(f"导入成功:{result.summary()}"))


class Command(ImportCommand):
    kind = "orgs"
