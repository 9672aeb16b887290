"""``luoshi build_demo``: build the demo district (演示数据) of 长沙市岳麓区, or reuse it."""

from django.core.management.base import BaseCommand, CommandError

from demo.orgs import DemoDataError, build_demo


class Command(BaseCommand):
    help = "生成演示数据(长沙市岳麓区):组织树、网格、党组织、党员和演示账号;已存在时复用并重置演示账号密码"

    def handle(self, *args, **options):
        try:
            build_demo(stdout=self.stdout)
        except DemoDataError as error:
            raise CommandError(str(error)) from error
