"""``luoshi build_demo_api``: a demo API token for the dispatcher ``jiedao`` and a demo Open311
client; their secrets are printed once (skipped when they already exist)."""

import os

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

from api import services
from api.models import ApiToken, Open311Client
from core.actors import SYSTEM

TOKEN_NAME = "数据大屏(演示)"
CLIENT_NAME = "随手拍App(演示)"


class Command(BaseCommand):
    help = "生成接口演示数据:jiedao 的接口令牌和一个 Open311 客户端 api_key(已存在则跳过)"

    def handle(self, *args, **options):
        site = f"http://127.0.0.1:{os.environ.get('LUOSHI_PORT', '8000')}"  # where `luoshi demo` serves
        user = get_user_model().objects.filter(username="jiedao", is_active=True).first()
        if user is not None and not ApiToken.objects.filter(owner=user, name=TOKEN_NAME).exists():
            _, raw = services.issue_token(owner=user, name=TOKEN_NAME, actor=SYSTEM)
            self.stdout.write(f"[接口] 演示令牌(jiedao):{raw}")
            self.stdout.write(f'       curl -H "Authorization: Bearer {raw}" {site}/api/v1/cases')
        if not Open311Client.objects.filter(name=CLIENT_NAME).exists():
            _, raw = services.issue_open311_client(name=CLIENT_NAME, contact="演示", actor=SYSTEM)
            self.stdout.write(f"[接口] 演示 Open311 api_key:{raw}")
        self.stdout.write(f"[接口] 接口文档:{site}/api/v1/docs  Open311:{site}/open311/v2/discovery.json")
