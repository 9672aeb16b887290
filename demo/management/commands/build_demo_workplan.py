"""``luoshi build_demo_workplan``: the demo supervision plans (演示督办计划) with a few months of history."""

from django.core.management.base import BaseCommand, CommandError

from demo.workplan import DemoWorkplanError, build_demo_workplan


class Command(BaseCommand):
    help = (
        "生成演示督办计划:由种子讲话生成的任务清单和城市治理重点工作,"
        "含近四个月的报送和督办记录;已有时直接复用"
    )

    def handle(self, *args, **options):
        try:
            build_demo_workplan(stdout=self.stdout)
        except DemoWorkplanError as error:
            raise CommandError(str(error)) from error
