"""``luoshi api_token create USER NAME | list [USER] | revoke PREFIX``: personal API tokens (接口令牌)."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from api import services
from api.models import ApiToken
from core.actors import SYSTEM
from core.errors import ServiceError


class Command(BaseCommand):
    help = "管理个人接口令牌:create 用户名 名称 | list [用户名] | revoke 前缀"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="为用户创建令牌(明文只显示一次)")
        create.add_argument("username")
        create.add_argument("name")
        listing = sub.add_parser("list", help="列出令牌")
        listing.add_argument("username", nargs="?")
        revoke = sub.add_parser("revoke", help="吊销令牌")
        revoke.add_argument("prefix", help="令牌前缀(ls_<前缀>_… 中的 8 位)")
        revoke.add_argument("--reason", default="", help="吊销原因(记入审计)")

    def _user(self, username):
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"用户不存在:{username}")
        return user

    def handle(self, *args, action, **options):
        try:
            if action == "create":
                token, raw = services.issue_token(
                    owner=self._user(options["username"]), name=options["name"], actor=SYSTEM
                )
                self.stdout.write(
                    f"已创建令牌“{token.name}”(前缀 {token.prefix})。请立即保存,之后无法再次查看:"
                )
                self.stdout.write(raw)
            elif action == "list":
                rows = ApiToken.objects.select_related("owner").order_by("owner__username", "-created_at")
                if options.get("username"):
                    rows = rows.filter(owner=self._user(options["username"]))
                for token in rows:
                    state = f"已吊销 {token.revoked_at:%Y-%m-%d}" if token.revoked_at else "有效"
                    used = f"{token.last_used_at:%Y-%m-%d %H:%M}" if token.last_used_at else "从未使用"
                    self.stdout.write(
                        f"{token.prefix}\t{token.owner.username}\t{token.name}\t{state}\t最近使用 {used}"
                    )
            else:
                token = ApiToken.objects.filter(
                    prefix=options["prefix"].removeprefix("ls_").split("_")[0]
                ).first()
                if token is None:
                    raise CommandError(f"没有前缀为 {options['prefix']} 的令牌")
                services.revoke_token(token, actor=SYSTEM, reason=options["reason"])
                self.stdout.write(f"已吊销令牌“{token.name}”({token.prefix})")
        except ServiceError as error:
            raise CommandError(error.message) from error
