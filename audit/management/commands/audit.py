from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from audit import checkpoints, keys
from audit.verify import verify


class Command(BaseCommand):
    help = (
        "审计日志工具。audit verify:检查每个对象的事件链、链头封印和最近的检查点,发现篡改、删除、"
        "截断或重排时以非零状态退出;audit checkpoint:写入所有链头的签名检查点;"
        "audit reseal:密钥轮换后,用当前密钥重新封印仍能用旧密钥验证的链头。"
    )

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="subcommand", required=True)
        sub.add_parser("verify", help="校验全部审计事件链、链头封印和最近的检查点")
        sub.add_parser("checkpoint", help="写入所有链头的签名检查点(工作进程也会定期写入)")
        sub.add_parser("reseal", help="密钥轮换后用当前密钥重新封印链头(旧密钥须在 LUOSHI_AUDIT_KEYS_OLD 中)")

    def handle(self, *args, subcommand, **options):
        getattr(self, f"_{subcommand}")()

    def _verify(self):
        problems = 0
        for problem in verify():
            problems += 1
            self.stdout.write(str(problem))
        if problems:
            raise CommandError(f"审计日志校验失败:发现 {problems} 处问题")
        from audit.models import AuditEvent

        latest = checkpoints.latest()
        against = (
            f",对照检查点 #{latest.seq}({timezone.localtime(latest.created_at):%Y-%m-%d %H:%M})"
            if latest
            else ",尚无检查点"
        )
        self.stdout.write(f"审计日志校验通过:{AuditEvent.objects.count()} 条事件,未发现篡改{against}")

    def _checkpoint(self):
        try:
            cp = checkpoints.make_checkpoint()
        except checkpoints.CheckpointRefused as refused:
            for problem in refused.problems:
                self.stdout.write(str(problem))
            raise CommandError(str(refused)) from None
        self.stdout.write(
            f"审计检查点 #{cp.seq}:{cp.chains} 条链,{cp.events} 条事件,根哈希 {cp.root},签名 {cp.mac}"
            f"(密钥 {cp.key_id})"
        )

    def _reseal(self):
        from audit.models import AuditHead

        ring = keys.keyring()
        resealed = skipped = 0
        stale = AuditHead.objects.exclude(key_id=ring.current_id).order_by("pk")
        for pk in stale.values_list("pk", flat=True).iterator(chunk_size=2000):
            with transaction.atomic():
                head = AuditHead.objects.select_for_update().get(pk=pk)
                if head.key_id == ring.current_id:
                    continue
                if not keys.head_seal_ok(head):
                    skipped += 1
                    self.stdout.write(f"{head.subject_type}:{head.subject_id} 链头封印无法验证,未重新封印")
                    continue
                keys.seal_head(head)
                AuditHead.objects.filter(pk=pk).update(key_id=head.key_id, mac=head.mac)
                resealed += 1
        self.stdout.write(f"已用密钥 {ring.current_id} 重新封印 {resealed} 个链头")
        if not skipped:
            self._checkpoint()  # pins the older checkpoints under the new key
        if skipped:
            raise CommandError(f"{skipped} 个链头的封印无法验证,未重新封印(见上;先运行 audit verify)")
