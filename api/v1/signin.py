"""扫码签到 through the API (a phone app scans the meeting's code and posts its token): the same
``party.life.signin`` service as the page the QR opens — the caller signs in for themselves, within
the meeting's window, once; and the secretary's view of a meeting's sign-ins beside the typed list."""

from __future__ import annotations

import datetime as dt

from django.shortcuts import get_object_or_404
from ninja import Router, Schema, Status
from pydantic import Field

from party.life import signin
from party.life.models import Meeting

from . import schemas as s
from .party import member_ref

router = Router(tags=["扫码签到"])


class SignInIn(s.In):
    token: str = Field(
        max_length=400, description="签到码中的令牌(二维码网址 /party/signin/<令牌>/ 的最后一段)"
    )


class SignInOut(Schema):
    meeting: s.Ref = Field(description="会议(名称为日期、类型和主题)")
    member: s.Ref
    signed_at: dt.datetime


class SignInRowOut(Schema):
    member: s.Ref
    typed: str = Field(description="出席登记(出席/缺席/请假;空为未列入名单)")
    signed_at: dt.datetime | None = Field(description="扫码签到时间;null 为未签到")
    agrees: bool = Field(description="登记与签到一致")


@router.post(
    "/party/signin",
    response={201: SignInOut, **s.ERRORS},
    summary="扫码签到(本人)",
)
def sign_in(request, payload: SignInIn):
    """``party.life.signin.sign_in``: the caller's own member record signs in at the token's meeting.
    Refused with a Chinese message: an invalid token (422), outside the window (422), not a
    participant of the meeting's organization (403), already signed in (409)."""
    done = signin.sign_in(actor=request.user, token=payload.token)
    return Status(
        201,
        {
            "meeting": {"id": done.meeting.pk, "name": str(done.meeting)},
            "member": member_ref(done.member),
            "signed_at": done.signed_at,
        },
    )


@router.get(
    "/party/meetings/{meeting_id}/signins",
    response={200: list[SignInRowOut], **s.ERRORS},
    summary="会议的扫码签到与出席登记对照",
)
def meeting_signins(request, meeting_id: int):
    """The typed attendance list beside the sign-ins (``party.life.signin.comparison``), for a
    meeting the caller may change (its branch's secretary, the committee above): 404 otherwise."""
    meeting = get_object_or_404(Meeting.objects.visible_to(request.user, "change"), pk=meeting_id)
    return [
        {
            "member": member_ref(row["member"]),
            "typed": row["typed"],
            "signed_at": row["signed"].signed_at if row["signed"] else None,
            "agrees": row["agrees"],
        }
        for row in signin.comparison(meeting)
    ]
