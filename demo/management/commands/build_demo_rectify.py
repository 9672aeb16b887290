"""``luoshi build_demo_rectify``: the demo 巡视巡察整改 lists (a 巡察反馈 list with items in every
state, a compliance finding turned into rectification and 销号), or reuse them."""

from django.core.management.base import BaseCommand

from demo.rectify import build_demo_rectify


class Command(BaseCommand):
    help = "生成演示巡视巡察整改数据:巡察反馈问题清单(各状态整改事项)和已销号的合规检查问题;已有时直接复用"

    def handle(self, *args, **options):
        build_demo_rectify(stdout=self.stdout)
