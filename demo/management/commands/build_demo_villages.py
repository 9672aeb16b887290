"""``luoshi build_demo_villages``: demo 四议两公开 decisions for the demo villages, or reuse them;
then a few published decisions are handed to demo key tasks (the workplan demo is built first if
it is not there yet — it reuses itself afterwards) and the disclosure reminders are sent."""

from django.core.management.base import BaseCommand

from demo.villages import build_demo_villages, link_demo_tasks


class Command(BaseCommand):
    help = "生成演示四议两公开事项:为演示区划(须先运行 build_demo)的每个村生成各状态的重大事项;已有时直接复用"

    def handle(self, *args, **options):
        build_demo_villages(stdout=self.stdout)
        from demo.workplan import DemoWorkplanError, build_demo_workplan

        try:
            build_demo_workplan(stdout=self.stdout)
        except DemoWorkplanError as error:
            self.stdout.write(f"未生成督办演示数据,跳过关联实施任务:{error}\n")
            return
        link_demo_tasks(stdout=self.stdout)
