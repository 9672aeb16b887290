"""``luoshi build_demo_walks``: demo 领导干部走流程 (the walk list and walks in every state), or
reuse them. Needs the demo district (build_demo) and the case categories."""

from django.core.management.base import BaseCommand, CommandError

from demo.walks import DemoWalksError, build_demo_walks


class Command(BaseCommand):
    help = "生成演示领导干部走流程记录:走流程名单和各状态的记录;已有时直接复用"

    def handle(self, *args, **options):
        try:
            build_demo_walks(stdout=self.stdout)
        except DemoWalksError as error:
            raise CommandError(str(error)) from error
