"""``luoshi build_demo_party``: a year of demo organization life (演示组织生活), or reuse it."""

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from demo.party.committee import build_demo_committee
from demo.party.compliance import build_demo_rules
from demo.party.development import build_demo_development
from demo.party.duty_review import build_demo_duty_review
from demo.party.life import DemoPartyError, build_demo_party, build_demo_talks
from demo.party.signin import build_demo_signins
from demo.party.study_group import build_demo_study_group


class Command(BaseCommand):
    help = "生成演示组织生活:为演示区划(须先运行 build_demo)的党支部生成近一年的三会一课等记录;已有时直接复用"

    def handle(self, *args, **options):
        try:
            build_demo_party(stdout=self.stdout)
            build_demo_development(stdout=self.stdout)
            build_demo_committee(stdout=self.stdout)
            build_demo_talks(stdout=self.stdout)
            build_demo_duty_review(stdout=self.stdout)
            build_demo_rules(stdout=self.stdout)
            # after the rules' showcases, which change attendance (the housebound member's absences)
            build_demo_signins(timezone.localdate(), stdout=self.stdout)
            build_demo_study_group(stdout=self.stdout)
        except DemoPartyError as error:
            raise CommandError(str(error)) from error
