"""Outbound messages to people outside the staff (群众): one interface, several channels.

A message (``Outbound``) goes to a ``Recipient`` through each configured channel that can reach
them (``LUOSHI_RESIDENT_CHANNELS``):

- ``inbox``  the in-app inbox (站内信, ``core.Notification``) of a resident with an account;
- ``sms``    a text message through Aliyun (阿里云短信, ``dysmsapi`` 2017-05-25) or Tencent Cloud
             (腾讯云短信, ``sms`` 2021-01-11), with the templates the providers require
             (``LUOSHI_SMS_TEMPLATES``: template code per message kind);
- ``email``  Django mail (``LUOSHI_EMAIL_*``);
- ``wechat`` a WeChat subscription message (订阅消息) to a user who subscribed (``User.wechat_openid``);
- ``file``   one JSON line per message in ``LUOSHI_OUTBOX_FILE`` (the demo's and the tests' outbox:
             what would have been sent, phone numbers masked).

The providers' HTTP APIs are signed here with the standard library (Aliyun RPC signature v1,
Tencent Cloud TC3-HMAC-SHA256): no SDK to install, and a test passes a fake ``transport``, so no
test touches the network. Channels raise ``SendFailed``; the caller records it and retries.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import logging
import threading
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.mail import send_mail

from . import clock
from .models import Notification
from .privacy import mask_phone

log = logging.getLogger(__name__)

# (method, url, headers, body) → (HTTP status, response body)
Transport = Callable[[str, str, dict[str, str], bytes | None], tuple[int, bytes]]


def http_transport(method: str, url: str, headers: dict[str, str], body: bytes | None) -> tuple[int, bytes]:
    request = urllib.request.Request(url, data=body, headers=headers, method=method)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 (https URLs only)
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


class SendFailed(Exception):
    """The channel could not deliver this message now (network, provider error, bad config)."""


@dataclass(frozen=True)
class Recipient:
    user: Any = None  # an account: inbox (and e-mail / WeChat when it has them)
    phone: str = ""
    email: str = ""
    wechat_openid: str = ""

    @property
    def reachable(self) -> bool:
        return bool(self.user is not None or self.phone or self.email or self.wechat_openid)


@dataclass(frozen=True)
class Outbound:
    key: str  # idempotency key, also sent to providers that accept one
    kind: str  # message kind: picks the provider template
    title: str
    text: str
    path: str = ""  # link inside the site (inbox)
    url: str = ""  # the same link, absolute (SMS, e-mail, WeChat)
    params: dict[str, str] = field(default_factory=dict)  # template variables
    at: dt.datetime | None = None  # when it happened (the inbox row's time); None: now


class Channel:
    name = ""

    def applies(self, to: Recipient, message: Outbound) -> bool:
        raise NotImplementedError

    def send(self, to: Recipient, message: Outbound) -> str:
        """Deliver; return the provider's receipt id (or ""). Raise ``SendFailed``."""
        raise NotImplementedError


class InboxChannel(Channel):
    name = "inbox"

    def applies(self, to: Recipient, message: Outbound) -> bool:
        return to.user is not None

    def send(self, to: Recipient, message: Outbound) -> str:
        row = Notification.objects.create(
            user=to.user,
            kind=f"resident.{message.kind}"[:32],
            title=message.title[:200],
            body=message.text,
            url=message.path[:300],
            created_at=message.at or clock.now(),
        )
        return str(row.pk)


_FILE_LOCK = threading.Lock()


class FileChannel(Channel):
    """The demo's outbox: one JSON object per line; personal data masked."""

    name = "file"

    def __init__(self, path: str | Path | None = None):
        self.path = Path(
            path or getattr(settings, "LUOSHI_OUTBOX_FILE", "") or settings.VAR_DIR / "outbox.jsonl"
        )

    def applies(self, to: Recipient, message: Outbound) -> bool:
        return to.reachable

    def send(self, to: Recipient, message: Outbound) -> str:
        line = {
            "key": message.key,
            "kind": message.kind,
            "at": clock.now().isoformat(),
            "to": {
                "user": getattr(to.user, "username", "") if to.user is not None else "",
                "phone": mask_phone(to.phone),
                "email": bool(to.email),
                "wechat": bool(to.wechat_openid),
            },
            "title": message.title,
            "text": message.text,
            "url": message.url,
            "params": message.params,
        }
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with _FILE_LOCK, self.path.open("a", encoding="utf-8") as out:
                out.write(json.dumps(line, ensure_ascii=False) + "\n")
        except OSError as error:
            raise SendFailed(f"写入发件箱文件失败:{error}") from error
        return ""


def read_outbox(path: str | Path | None = None) -> list[dict]:
    """The file channel's messages, oldest first (tests and the demo read them back)."""
    target = FileChannel(path).path
    if not target.exists():
        return []
    return [json.loads(line) for line in target.read_text(encoding="utf-8").splitlines() if line.strip()]


class EmailChannel(Channel):
    name = "email"

    def applies(self, to: Recipient, message: Outbound) -> bool:
        return bool(to.email)

    def send(self, to: Recipient, message: Outbound) -> str:
        body = f"{message.text}\n\n{message.url}" if message.url else message.text
        try:
            send_mail(message.title, body, None, [to.email])
        except Exception as error:  # smtplib / socket errors: retried
            raise SendFailed(f"邮件发送失败:{type(error).__name__}") from error
        return ""


def _templates(setting: str) -> dict:
    """A JSON setting of templates per kind; a malformed one sends nothing by that channel (and is
    logged) rather than breaking the case workflow that records the message."""
    value = getattr(settings, setting, None) or {}
    if isinstance(value, str):
        try:
            value = json.loads(value) if value.strip() else {}
        except ValueError:
            log.error("%s is not valid JSON: no message is sent through its channel", setting)
            return {}
    return dict(value) if isinstance(value, dict) else {}


# ---------------------------------------------------------------------------------------------
# SMS (短信): Aliyun and Tencent Cloud


class SmsChannel(Channel):
    """Text messages through the configured provider; a kind without a template is not sent by SMS
    (the providers only send pre-approved templates)."""

    name = "sms"
    # Template variables, in this order for Tencent Cloud's positional {1} {2} {3}.
    PARAMS = ("number", "step", "code")

    def __init__(self, transport: Transport | None = None, **config: Any):
        self.transport = transport or http_transport
        self.provider = config.get("provider", getattr(settings, "LUOSHI_SMS_PROVIDER", ""))
        self.key_id = config.get("key_id", getattr(settings, "LUOSHI_SMS_ACCESS_KEY_ID", ""))
        self.key_secret = config.get("key_secret", getattr(settings, "LUOSHI_SMS_ACCESS_KEY_SECRET", ""))
        self.sign_name = config.get("sign_name", getattr(settings, "LUOSHI_SMS_SIGN_NAME", ""))
        self.app_id = config.get("app_id", getattr(settings, "LUOSHI_SMS_APP_ID", ""))
        self.region = config.get("region", getattr(settings, "LUOSHI_SMS_REGION", ""))
        self.templates = config.get("templates") or _templates("LUOSHI_SMS_TEMPLATES")

    def applies(self, to: Recipient, message: Outbound) -> bool:
        return bool(to.phone) and bool(self.templates.get(message.kind))

    def send(self, to: Recipient, message: Outbound) -> str:
        if self.provider == "aliyun":
            return self._aliyun(to.phone, message)
        if self.provider == "tencent":
            return self._tencent(to.phone, message)
        raise SendFailed(f"未配置短信服务商(LUOSHI_SMS_PROVIDER={self.provider!r})")

    def _call(self, method: str, url: str, headers: dict[str, str], body: bytes | None) -> dict:
        try:
            status, data = self.transport(method, url, headers, body)
        except OSError as error:
            raise SendFailed(f"短信网关无法连接:{type(error).__name__}") from error
        try:
            answer = json.loads(data.decode("utf-8") or "{}")
        except ValueError as error:
            raise SendFailed(f"短信网关返回无法解析(HTTP {status})") from error
        if status >= 500:
            raise SendFailed(f"短信网关错误(HTTP {status})")
        return answer

    def _aliyun(self, phone: str, message: Outbound) -> str:
        params = {
            "AccessKeyId": self.key_id,
            "Action": "SendSms",
            "Format": "JSON",
            "OutId": message.key[:64],
            "PhoneNumbers": phone,
            "RegionId": self.region or "cn-hangzhou",
            "SignName": self.sign_name,
            "SignatureMethod": "HMAC-SHA1",
            "SignatureNonce": uuid.uuid4().hex,
            "SignatureVersion": "1.0",
            "TemplateCode": self.templates[message.kind],
            "TemplateParam": json.dumps(
                {k: message.params.get(k, "") for k in self.PARAMS}, ensure_ascii=False
            ),
            "Timestamp": clock.now().astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "Version": "2017-05-25",
        }
        query = aliyun_signed_query(params, self.key_secret)
        answer = self._call("GET", f"https://dysmsapi.aliyuncs.com/?{query}", {}, None)
        if answer.get("Code") != "OK":
            raise SendFailed(f"阿里云短信:{answer.get('Code')} {answer.get('Message', '')}"[:300])
        return str(answer.get("BizId", ""))

    def _tencent(self, phone: str, message: Outbound) -> str:
        number = phone if phone.startswith("+") else f"+86{phone}"
        payload = {
            "PhoneNumberSet": [number],
            "SmsSdkAppId": self.app_id,
            "SignName": self.sign_name,
            "TemplateId": self.templates[message.kind],
            "TemplateParamSet": [message.params.get(k, "") for k in self.PARAMS],
            "SessionContext": message.key[:512],
        }
        body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        headers = tencent_headers(
            body,
            secret_id=self.key_id,
            secret_key=self.key_secret,
            timestamp=int(clock.now().timestamp()),
            region=self.region or "ap-guangzhou",
        )
        answer = self._call("POST", f"https://{TENCENT_SMS_HOST}/", headers, body).get("Response", {})
        if "Error" in answer:
            error = answer["Error"]
            raise SendFailed(f"腾讯云短信:{error.get('Code')} {error.get('Message', '')}"[:300])
        statuses = answer.get("SendStatusSet") or [{}]
        if statuses[0].get("Code") != "Ok":
            raise SendFailed(f"腾讯云短信:{statuses[0].get('Code')} {statuses[0].get('Message', '')}"[:300])
        return str(statuses[0].get("SerialNo", ""))


def _aliyun_quote(value: str) -> str:
    return urllib.parse.quote(value, safe="~")


def aliyun_signed_query(params: dict[str, str], secret: str) -> str:
    """Aliyun RPC signature (SignatureVersion 1.0, HMAC-SHA1): the query string with ``Signature``."""
    canonical = "&".join(f"{_aliyun_quote(k)}={_aliyun_quote(v)}" for k, v in sorted(params.items()))
    to_sign = f"GET&{_aliyun_quote('/')}&{_aliyun_quote(canonical)}"
    digest = hmac.new(f"{secret}&".encode(), to_sign.encode(), hashlib.sha1).digest()
    return f"Signature={_aliyun_quote(base64.b64encode(digest).decode())}&{canonical}"


TENCENT_SMS_HOST = "sms.tencentcloudapi.com"


def tencent_headers(
    body: bytes, *, secret_id: str, secret_key: str, timestamp: int, region: str
) -> dict[str, str]:
    """Tencent Cloud API 3.0 signature (TC3-HMAC-SHA256) for ``SendSms``."""
    content_type = "application/json; charset=utf-8"
    canonical = "\n".join(
        [
            "POST",
            "/",
            "",
            f"content-type:{content_type}\nhost:{TENCENT_SMS_HOST}\n",
            "content-type;host",
            hashlib.sha256(body).hexdigest(),
        ]
    )
    day = dt.datetime.fromtimestamp(timestamp, dt.UTC).strftime("%Y-%m-%d")
    scope = f"{day}/sms/tc3_request"
    to_sign = f"TC3-HMAC-SHA256\n{timestamp}\n{scope}\n{hashlib.sha256(canonical.encode()).hexdigest()}"

    def sign(key: bytes, text: str) -> bytes:
        return hmac.new(key, text.encode(), hashlib.sha256).digest()

    signing = sign(sign(sign(f"TC3{secret_key}".encode(), day), "sms"), "tc3_request")
    signature = hmac.new(signing, to_sign.encode(), hashlib.sha256).hexdigest()
    return {
        "Authorization": (
            f"TC3-HMAC-SHA256 Credential={secret_id}/{scope}, "
            f"SignedHeaders=content-type;host, Signature={signature}"
        ),
        "Content-Type": content_type,
        "Host": TENCENT_SMS_HOST,
        "X-TC-Action": "SendSms",
        "X-TC-Timestamp": str(timestamp),
        "X-TC-Version": "2021-01-11",
        "X-TC-Region": region,
    }


# ---------------------------------------------------------------------------------------------
# WeChat subscription messages (微信订阅消息)


class WechatChannel(Channel):
    """``LUOSHI_WECHAT_TEMPLATES``: per kind ``{"id": template id, "data": {field: param}}``, e.g.
    ``{"answered": {"id": "…", "data": {"character_string1": "number", "thing2": "step"}}}``."""

    name = "wechat"

    def __init__(self, transport: Transport | None = None, **config: Any):
        self.transport = transport or http_transport
        self.appid = config.get("appid", getattr(settings, "LUOSHI_WECHAT_APPID", ""))
        self.secret = config.get("secret", getattr(settings, "LUOSHI_WECHAT_SECRET", ""))
        self.page = config.get("page", getattr(settings, "LUOSHI_WECHAT_PAGE", ""))
        self.templates = config.get("templates") or _templates("LUOSHI_WECHAT_TEMPLATES")

    def applies(self, to: Recipient, message: Outbound) -> bool:
        return bool(to.wechat_openid and self.appid and self.templates.get(message.kind))

    def _json(self, method: str, url: str, payload: dict | None = None) -> dict:
        body = json.dumps(payload, ensure_ascii=False).encode() if payload is not None else None
        headers = {"Content-Type": "application/json"} if body else {}
        try:
            status, data = self.transport(method, url, headers, body)
            return json.loads(data.decode("utf-8") or "{}")
        except (OSError, ValueError) as error:
            raise SendFailed(f"微信接口无法访问:{type(error).__name__}") from error

    def access_token(self, refresh: bool = False) -> str:
        key = f"wechat:access-token:{self.appid}"
        token = None if refresh else cache.get(key)
        if token:
            return token
        query = urllib.parse.urlencode(
            {"grant_type": "client_credential", "appid": self.appid, "secret": self.secret}
        )
        answer = self._json("GET", f"https://api.weixin.qq.com/cgi-bin/token?{query}")
        if not answer.get("access_token"):
            raise SendFailed(f"微信 access_token 获取失败:{answer.get('errcode')} {answer.get('errmsg', '')}")
        cache.set(key, answer["access_token"], max(int(answer.get("expires_in", 7200)) - 300, 60))
        return answer["access_token"]

    def send(self, to: Recipient, message: Outbound) -> str:
        template = self.templates[message.kind]
        payload: dict[str, Any] = {
            "touser": to.wechat_openid,
            "template_id": template["id"],
            "data": {
                name: {"value": str(message.params.get(param, ""))[:20]}
                for name, param in template.get("data", {}).items()
            },
        }
        if self.page:
            payload["page"] = self.page
        for refresh in (False, True):
            token = self.access_token(refresh=refresh)
            answer = self._json(
                "POST",
                f"https://api.weixin.qq.com/cgi-bin/message/subscribe/send?access_token={token}",
                payload,
            )
            code = answer.get("errcode", 0)
            if code == 0:
                return str(answer.get("msgid", ""))
            if code not in (40001, 42001):  # token invalid/expired: fetch a new one once
                break
        raise SendFailed(f"微信订阅消息:{code} {answer.get('errmsg', '')}"[:300])


CHANNELS: dict[str, type[Channel]] = {
    "inbox": InboxChannel,
    "file": FileChannel,
    "email": EmailChannel,
    "sms": SmsChannel,
    "wechat": WechatChannel,
}


def configured_channels() -> list[Channel]:
    """The channels named in ``LUOSHI_RESIDENT_CHANNELS``, in that order."""
    names = getattr(settings, "LUOSHI_RESIDENT_CHANNELS", ["inbox"])
    return [CHANNELS[name]() for name in names if name in CHANNELS]


def channel(name: str) -> Channel:
    return CHANNELS[name]()
