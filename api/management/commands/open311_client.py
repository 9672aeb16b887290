"""``luoshi open311_client create NAME [--contact …] | list | revoke PREFIX``: Open311 api_keys."""

from django.core.management.base import BaseCommand, CommandError

from api import services
from api.models import Open311Client
from core.actors import SYSTEM
from core.errors import ServiceError


class Command(BaseCommand):
    help = "管理 Open311 客户端密钥(api_key):create 应用名称 [--contact 联系人] | list | revoke 前缀"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="登记客户端并签发 api_key(明文只显示一次)")
        create.add_argument("name")
        create.add_argument("--contact", default="")
        sub.add_parser("list", help="列出客户端")
        revoke = sub.add_parser("revoke", help="吊销客户端密钥")
        revoke.add_argument("prefix")
        revoke.add_argument("--reason", default="")

    def handle(self, *args, action, **options):
        try:
            if action == "create":
                client, raw = services.issue_open311_client(
                    name=options["name"], contact=options["contact"], actor=SYSTEM
                )
                self.stdout.write(f"已登记“{client.name}”(前缀 {client.prefix})。api_key 只显示这一次:")
                self.stdout.write(raw)
            elif action == "list":
                for client in Open311Client.objects.order_by("-created_at"):
                    state = f"已吊销 {client.revoked_at:%Y-%m-%d}" if client.revoked_at else "有效"
                    self.stdout.write(f"{client.prefix}\t{client.name}\t{client.contact}\t{state}")
            else:
                prefix = options["prefix"].removeprefix("o311_").split("_")[0]
                client = Open311Client.objects.filter(prefix=prefix).first()
                if client is None:
                    raise CommandError(f"没有前缀为 {options['prefix']} 的客户端")
                services.revoke_open311_client(client, actor=SYSTEM, reason=options["reason"])
                self.stdout.write(f"已吊销“{client.name}”的 api_key")
        except ServiceError as error:
            raise CommandError(error.message) from error
