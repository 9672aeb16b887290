"""API fixtures: the case world (actors, category) plus token-authenticated clients."""

import base64
import io

import pytest
from django.core.cache import cache
from django.test import Client
from PIL import Image

from api import services
from core.actors import SYSTEM
from tests.cases.conftest import actors, category, new_case, walk  # noqa: F401  (fixtures and helpers)


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()
    yield
    cache.clear()


class ApiClient:
    """A Django test client that sends ``Authorization: Bearer <token>`` and JSON bodies."""

    def __init__(self, user=None, raw: str | None = None):
        self.user = user
        self.raw = raw
        self.client = Client()

    def _headers(self, headers):
        headers = dict(headers or {})
        if self.raw:
            headers.setdefault("Authorization", f"Bearer {self.raw}")
        return headers

    def get(self, path, data=None, headers=None):
        return self.client.get(path, data, headers=self._headers(headers))

    def post(self, path, json=None, headers=None):
        return self.client.post(
            path,
            data=json if json is not None else {},
            content_type="application/json",
            headers=self._headers(headers),
        )


def client_for(user) -> ApiClient:
    _, raw = services.issue_token(owner=user, name="测试令牌", actor=SYSTEM)
    return ApiClient(user, raw)


@pytest.fixture
def api_for():
    return client_for


@pytest.fixture
def anon():
    return ApiClient()


def photo_b64(colour=(200, 30, 30)) -> str:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), colour).save(out, format="PNG")
    return base64.b64encode(out.getvalue()).decode()
