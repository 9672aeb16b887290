"""The NinjaAPI instance of ``/api/v1/``: authentication, error handlers, routers, docs page."""

from __future__ import annotations

from django.shortcuts import render
from django.urls import reverse
from ninja import NinjaAPI
from ninja.openapi.docs import DocsBase
from ninja.renderers import JSONRenderer

from .. import errors
from ..auth import SessionAuth, TokenAuth
from . import cases, dues, duty_review, misc, party, rectify, signin, villages, walks, workplan
from .openapi import state_input_guard


class LocalSwagger(DocsBase):
    """Swagger UI from the files vendored under ``api/static/api/swagger-ui/`` (no CDN)."""

    def render_page(self, request, api, **kwargs):
        return render(
            request,
            "api/swagger.html",
            {"api": api, "openapi_url": reverse("api:api-v1:openapi-json")},
        )


class ReadableJSON(JSONRenderer):
    """UTF-8 JSON with Chinese characters as they are, not escaped."""

    json_dumps_params = {"ensure_ascii": False}


DESCRIPTION = """落实(Luoshi)网格事项接口。

认证:`Authorization: Bearer <个人接口令牌>`(在“接口令牌”页面或 `luoshi api_token create` 创建),
或已登录的网页会话(非 GET 请求需带 `X-CSRFToken`)。每个接口与网页使用相同的数据范围和业务规则。

错误统一为 `{"code": 机器代码, "message": 中文说明, "field": 字段名或 null}`:
400 请求无法解析 · 401 未认证 · 403 无权限 · 404 不存在或无权查看 · 409 状态已变化 ·
422 输入或业务规则不通过 · 429 请求过于频繁(见 `Retry-After`)。

本文档写明接口检查的每一项格式限制(长度、取值范围、枚举、必填且不能为空白、不允许的控制字符、
请求体中不认识的字段),不符合时返回 422 `invalid`。符合文档格式但被数据或业务规则拒绝时返回
422 `rule_violation`(如所选组织或分类不存在、位置不在本区范围内、照片不是图片、状态不允许该操作),
`field` 指出相关字段。
"""


class LuoshiAPI(NinjaAPI):
    """States the input guard (``core.textguard``) in the document (``api.v1.openapi``)."""

    def get_openapi_schema(self, *args, **kwargs):
        return state_input_guard(super().get_openapi_schema(*args, **kwargs))


api = LuoshiAPI(
    title="落实 Luoshi API",
    version="1",
    description=DESCRIPTION,
    urls_namespace="api:api-v1",
    auth=[TokenAuth(), SessionAuth()],
    docs=LocalSwagger(),
    renderer=ReadableJSON(),
    docs_url="/docs",
    openapi_url="/openapi.json",
)
errors.install(api)
api.add_router("", misc.router)
api.add_router("", cases.router)
api.add_router("", party.router)
api.add_router("", duty_review.router)
api.add_router("", dues.router)
api.add_router("", signin.router)
api.add_router("", workplan.router)
api.add_router("", villages.router)
api.add_router("", rectify.router)
api.add_router("", walks.router)
