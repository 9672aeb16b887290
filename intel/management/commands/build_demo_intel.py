"""``luoshi build_demo_intel``: train the demo's category model on the demo cases (skips when a
model is already active)."""

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "智能辅助演示:用演示事项训练分类模型(已有启用的模型时跳过)"

    def handle(self, *args, **options):
        from intel.classify import train_from_cases
        from intel.models import ModelVersion

        if ModelVersion.objects.filter(active=True).exists():
            self.stdout.write("智能辅助:已有启用的分类模型,跳过")
            return
        result = train_from_cases()
        v = result.version
        if v is None:
            self.stdout.write(f"智能辅助:{result.reason}")
        else:
            self.stdout.write(
                f"智能辅助:{result.reason}(训练 {v.n_train} 件,测试 {v.n_test} 件,"
                f"宏平均F1 {v.macro_f1:.3f},演示数据)"
            )
