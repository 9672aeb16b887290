"""``luoshi build_demo_cases``: a few months of demo cases (演示事项) in the demo district, or reuse them."""

from django.core.management.base import BaseCommand, CommandError

from demo.cases import DAYS, VOLUME, DemoCasesError, build_demo_cases


class Command(BaseCommand):
    help = (
        "生成演示事项:在演示区划(须先运行 build_demo)中按真实流程生成近几个月的网格事项,"
        "并建立责任清单;已有演示事项时直接复用"
    )

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=DAYS, help=f"生成最近多少天的事项(默认 {DAYS})")
        parser.add_argument(
            "--volume",
            type=float,
            default=VOLUME,
            help=f"每天事项数量的倍数(默认 {VOLUME},约每天五件;1 约每天十四件)",
        )

    def handle(self, *args, days, volume, **options):
        if days < 1 or volume <= 0:
            raise CommandError("--days 和 --volume 须为正数")
        try:
            build_demo_cases(stdout=self.stdout, days=days, volume=volume)
        except DemoCasesError as error:
            raise CommandError(str(error)) from error
