"""Personal data at rest: Fernet encryption with a key from settings, plus masking for display.

ID numbers (身份证号) and phone numbers are personal information (个人信息保护法). They are stored
encrypted, looked up by a keyed hash, and shown masked everywhere except where a permitted role
asks for the clear value (and that access is audited by the caller).
"""

import base64
import hashlib
import hmac
import re
from functools import cache

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings


@cache
def _fernet(key: str) -> Fernet:
    digest = hashlib.sha256(("luoshi-field-encryption:" + key).encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def encrypt(value: str) -> str:
    if not value:
        return ""
    return _fernet(settings.FIELD_ENCRYPTION_KEY).encrypt(value.encode()).decode()


def decrypt(token: str) -> str:
    if not token:
        return ""
    try:
        return _fernet(settings.FIELD_ENCRYPTION_KEY).decrypt(token.encode()).decode()
    except InvalidToken:
        return ""


def blind_index(value: str) -> str:
    """A keyed hash to find or de-duplicate a value without storing it in clear."""
    if not value:
        return ""
    key = ("luoshi-blind-index:" + settings.FIELD_ENCRYPTION_KEY).encode()
    return hmac.new(key, value.strip().upper().encode(), hashlib.sha256).hexdigest()


def normalise_phone(value: str) -> str:
    """Digits only, without a +86/0086 country prefix: "+86 138-1234-5678" → "13812345678"."""
    digits = "".join(ch for ch in (value or "") if ch.isdigit())
    for prefix in ("0086", "86"):
        if digits.startswith(prefix) and len(digits) - len(prefix) == 11:
            return digits[len(prefix) :]
    return digits


def phone_index(value: str) -> str:
    """The keyed hash a phone number is searched by (HMAC of the normalised number)."""
    return blind_index(normalise_phone(value))


def mask_id_number(value: str) -> str:
    """430104199001011234 → 4301**********1234."""
    if not value:
        return ""
    if len(value) <= 8:
        return "*" * len(value)
    return value[:4] + "*" * (len(value) - 8) + value[-4:]


def mask_phone(value: str) -> str:
    """13812345678 → 138****5678; short numbers keep only the last two digits."""
    if not value:
        return ""
    if len(value) >= 11:
        return value[:3] + "****" + value[-4:]
    return "*" * max(len(value) - 2, 0) + value[-2:]


def mask_name(value: str) -> str:
    """张三丰 → 张**; used on public pages."""
    if not value:
        return ""
    return value[0] + "*" * (len(value) - 1)


# Personal numbers typed into free text (a description, a title, an answer). Digits next to other
# digits are not matched, so a case number (YL20261129-0001) or an amount is left alone.
_ID_NUMBER = r"[1-9]\d{5}(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[\dXx]"
_MOBILE = r"(?:\+?86[- ]?)?1[3-9]\d[- ]?\d{4}[- ]?\d{4}"
_LANDLINE = r"\(?0\d{2,3}\)?[- ]?[2-9]\d{6,7}(?:-\d{1,5})?|[2-9]\d{7}"
_PERSONAL_NUMBER = re.compile(
    rf"(?<![\dA-Za-z])(?:(?P<id>{_ID_NUMBER})|(?P<phone>{_MOBILE}|{_LANDLINE}))(?![\dA-Za-z])"
)


def _mask_match(match: re.Match) -> str:
    text = match.group(0)
    if match.group("id"):
        return mask_id_number(text)
    digits = re.sub(r"\D", "", text)
    if len(digits) == 13 and digits.startswith("86"):
        digits = digits[2:]
    if len(digits) >= 11:
        return digits[:3] + "****" + digits[-4:]
    return "*" * (len(digits) - 2) + digits[-2:]


def mask_personal_text(text: str) -> str:
    """Mask phone numbers (mobile 13812345678, landline 0731-88881234 / 88881234) and 18-digit ID
        numbers inside free text: 请联系13812345678 → 请联系138****5678. A bare local number needs its
    8 digits (88881234); shorter runs of digits (amounts, counts) are left alone."""
    if not text:
        return text or ""
    return _PERSONAL_NUMBER.sub(_mask_match, text)
