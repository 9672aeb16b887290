"""``luoshi jobs``: see failed background jobs and run them again (database or RQ backend).

luoshi jobs list [--failed] [--limit N]
luoshi jobs requeue ID [ID …] | --all-failed
"""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from core import jobs


class Command(BaseCommand):
    help = "查看失败的后台任务并重新排队"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        listing = sub.add_parser("list", help="列出后台任务(最新的在前)")
        listing.add_argument("--failed", action="store_true", help="只列出失败的任务")
        listing.add_argument("--limit", type=int, default=50)
        again = sub.add_parser("requeue", help="把失败的任务重新排队")
        again.add_argument("ids", nargs="*", metavar="ID")
        again.add_argument("--all-failed", action="store_true", help="所有失败的任务")

    def handle(self, *args, action, **options):
        if action == "list":
            rows = jobs.list_jobs(failed=options["failed"], limit=options["limit"])
            for row in rows:
                when = (
                    timezone.localtime(row.enqueued_at).strftime("%Y-%m-%d %H:%M:%S")
                    if row.enqueued_at
                    else "-"
                )
                self.stdout.write(f"{row.id}  {row.status:<10} {when}  {row.task}  {row.error}".rstrip())
            self.stderr.write(f"共 {len(rows)} 个任务({jobs.backend_kind()})")
            return
        ids, all_failed = options["ids"], options["all_failed"]
        if bool(ids) == bool(all_failed):
            raise CommandError("请给出任务编号,或使用 --all-failed(二者选一)")
        try:
            done = jobs.requeue(None if all_failed else ids)
        except ValidationError as exc:
            raise CommandError("任务编号格式不正确") from exc
        for job_id in done:
            self.stdout.write(job_id)
        missing = [] if all_failed else sorted(set(ids) - set(done))
        self.stderr.write(f"已重新排队 {len(done)} 个任务")
        if missing:
            raise CommandError(f"以下任务不存在或不是失败状态:{'、'.join(missing)}")
