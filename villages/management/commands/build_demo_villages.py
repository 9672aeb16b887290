"""``luoshi build_demo_villages``: demo 四议两公开 decisions for the demo villages, or reuse them."""

from django.core.management.base import BaseCommand

from villages.demo import build_demo_villages


class Command(BaseCommand):
    help = "生成演示四议两公开事项:为演示区划(须先运行 build_demo)的每个村生成各状态的重大事项;已有时直接复用"

    def handle(self, *args, **options):
        build_demo_villages(stdout=self.stdout)
