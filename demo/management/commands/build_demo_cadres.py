"""``luoshi build_demo_cadres``: demo 干部监督 records for the ``ganbu`` account, or reuse them."""

from django.core.management.base import BaseCommand, CommandError

from demo.cadres import DemoCadresError, build_demo_cadres


class Command(BaseCommand):
    help = "生成演示干部监督数据:干部档案、考察、能上能下和问责记录;已有时直接复用"

    def handle(self, *args, **options):
        try:
            build_demo_cadres(stdout=self.stdout)
        except DemoCadresError as error:
            raise CommandError(str(error)) from error
