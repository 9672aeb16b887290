from django.core.management.base import BaseCommand, CommandError

from audit.verify import verify


class Command(BaseCommand):
    help = "审计日志工具。audit verify:检查每个对象的事件链,发现篡改、删除或重排时以非零状态退出。"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="subcommand", required=True)
        sub.add_parser("verify", help="校验全部审计事件链")

    def handle(self, *args, subcommand, **options):
        if subcommand == "verify":
            problems = 0
            for problem in verify():
                problems += 1
                self.stdout.write(str(problem))
            if problems:
                raise CommandError(f"审计日志校验失败:发现 {problems} 处问题")
            from audit.models import AuditEvent

            self.stdout.write(f"审计日志校验通过:{AuditEvent.objects.count()} 条事件,未发现篡改")
