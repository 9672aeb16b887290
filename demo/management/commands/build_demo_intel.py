"""``luoshi build_demo_intel``: train the demo's category model on the demo cases (skips when a
model is already active); record the model's suggestions against the dispatchers' final categories
of recent demo cases (建议采纳记录 per model version); turn the current month's top hot spot into
a 每月一题 workplan task as the demo supervisor (dudao)."""

from django.core.management.base import BaseCommand

from core.actors import SYSTEM

REPEAT = "再次反映:"
REPEAT_TAILS = ("前两天已经反映过,还是这样。", "昨天打过电话了,请尽快处理!", "之前说会来看看,一直没人来。")


class Command(BaseCommand):
    help = "智能辅助演示:用演示事项训练分类模型(已有启用的模型时跳过)"

    def handle(self, *args, **options):
        from intel.classify import train_from_cases
        from intel.models import ModelVersion

        if ModelVersion.objects.filter(active=True).exists():
            self.stdout.write("智能辅助:已有启用的分类模型,跳过训练")
        else:
            # Two versions, so that the 分类模型 page shows a retraining with its guard decision:
            # the first on the earlier 70 % of the registered cases (by rank, not by date), then a
            # retraining on all of them, compared on the first version's fixed validation set.
            cutoff = self.cutoff()
            if cutoff is not None:
                self.report(train_from_cases(registered_before=cutoff))
                self.feedback(after=cutoff)
            self.report(train_from_cases())
        self.feedback()
        self.repeats()
        self.hot_spot()

    def report(self, result):
        v = result.version
        if v is None:
            self.stdout.write(f"智能辅助:{result.reason}")
        else:
            self.stdout.write(
                f"智能辅助:{result.reason}(训练 {v.n_train} 件,固定验证集 {v.n_test} 件,"
                f"宏平均F1 {v.macro_f1:.3f},演示数据)"
            )

    def cutoff(self):
        from cases.models import Case

        registered = Case.objects.filter(registered_at__isnull=False, category__isnull=False)
        n = registered.count()
        if n < 200:
            return None
        return registered.order_by("registered_at", "id").values_list("registered_at", flat=True)[
            int(n * 0.7)
        ]

    def feedback(self, limit: int = 80, after=None):
        """The active model's suggestions for the latest registered demo cases (or the first ones
        registered ``after`` a time), recorded against the category the demo dispatcher chose (what
        a day of intake with the model would leave)."""
        from cases.models import Case
        from intel.feedback import record_feedback
        from intel.models import ModelVersion, SuggestionFeedback

        version = ModelVersion.objects.filter(active=True).first()
        if version is None or SuggestionFeedback.objects.filter(model_version=version).exists():
            return
        cases = Case.objects.filter(is_demo=True, registered_at__isnull=False, category__isnull=False)
        if after is not None:
            cases = cases.filter(registered_at__gte=after).order_by("registered_at")[:limit]
            made = [record_feedback("category", case, SYSTEM) for case in cases]
            self.stdout.write(f"智能辅助:模型 建议采纳记录 {sum(1 for m in made if m)} 条(前一版本)")
            return
        made = [
            record_feedback("category", case, SYSTEM) for case in cases.order_by("-registered_at")[:limit]
        ]
        rows = [m for m in made if m is not None]
        accepted = sum(1 for m in rows if m.accepted)
        self.stdout.write(f"智能辅助:模型 #{version.pk} 建议采纳记录 {len(rows)} 条,首选采纳 {accepted} 条")

    def repeats(self, n: int = 3):
        """Repeated reports (重复反映) of a few cases awaiting registration, so that dispatchers see
        the duplicate warning: same grid, same problem in other words, up to 20 hours later."""
        import datetime

        from cases import services
        from cases.models import Case, CaseStatus
        from core import clock

        if Case.objects.filter(is_demo=True, title__startswith=REPEAT).exists():
            return
        originals = Case.objects.filter(
            is_demo=True, status=CaseStatus.REPORTED, grid__isnull=False, merged_into__isnull=True
        ).order_by("-created_at")[:n]
        made = 0
        for original, tail in zip(originals, REPEAT_TAILS, strict=False):
            case = services.report_case(
                channel="hotline",
                title=f"{REPEAT}{original.title}"[:100],
                description=f"{original.description}{tail}",
                area=original.grid,
                address=original.address,
                longitude=original.longitude,
                latitude=original.latitude,
                actor=SYSTEM,
            )
            when = min(original.created_at + datetime.timedelta(hours=20), clock.now())
            Case.objects.filter(pk=case.pk).update(is_demo=True, created_at=when)
            made += 1
        if made:
            self.stdout.write(f"智能辅助:重复反映 {made} 件(疑似重复事项提示)")

    def hot_spot(self):
        from core import clock
        from intel import hotspots, selectors
        from intel.models import HotSpotTask
        from orgs.models import User

        supervisor = User.objects.filter(username="dudao").first()
        if supervisor is None or HotSpotTask.objects.exists():
            return
        # This month's top hot spot, or last month's in the first days of a month (每月一题 is
        # usually chosen from the month just ended), so the demo has one on any day.
        this_month = selectors.month_start(clock.now().date())
        for month in (this_month, selectors.add_months(this_month, -1)):
            cells = [c for c in selectors.hot_spots(supervisor, month)["cells"] if c["community"]]
            if cells:
                break
        else:
            return
        top = cells[0]
        spot = hotspots.create_hot_spot_task(
            actor=supervisor, month=month, category=top["category"], community=top["community"]
        )
        self.stdout.write(f"智能辅助:热点已转为督办任务 {spot.task.title}")
