"""Validation of Chinese identifiers: 18-digit resident ID numbers (GB 11643) and phone numbers."""

import datetime
import re

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"
_ID_RE = re.compile(r"^\d{17}[\dX]$")
_PHONE_RE = re.compile(r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8})$")


def id_check_digit(first17: str) -> str:
    return _CHECK[sum(int(d) * w for d, w in zip(first17, _WEIGHTS, strict=True)) % 11]


def check_id_number(value: str) -> str | None:
    """Return a Chinese error message, or None when the ID number is valid."""
    value = value.strip().upper()
    if not _ID_RE.match(value):
        return "身份证号应为18位,前17位为数字,末位为数字或X"
    try:
        birth = datetime.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        return "身份证号中的出生日期无效"
    if birth > datetime.date.today() or birth.year < 1900:  # noqa: DTZ011 (date only)
        return "身份证号中的出生日期无效"
    if id_check_digit(value[:17]) != value[17]:
        return "身份证号校验位错误"
    return None


def birth_date_from_id(value: str) -> datetime.date:
    value = value.strip()
    return datetime.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))


def gender_from_id(value: str) -> str:
    return "M" if int(value.strip()[16]) % 2 else "F"


def check_phone(value: str) -> str | None:
    if not _PHONE_RE.match(value.strip()):
        return "电话号码格式不正确(手机号11位,座机如0731-88888888)"
    return None
