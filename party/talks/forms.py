"""Forms of the talk log (谈心谈话)."""

from __future__ import annotations

from django import forms

from party.forms import PartyForm
from party.talks.models import TalkKind


class TalkForm(PartyForm):
    """One talk: two members of the branch; the rules live in ``party.talks.services``."""

    held_on = forms.DateField(
        label="谈话日期",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"required": "请填写谈话日期", "invalid": "谈话日期格式不正确"},
    )
    initiator = forms.TypedChoiceField(
        label="谈话人",
        coerce=int,
        error_messages={"required": "请选择谈话人", "invalid_choice": "请选择谈话人"},
    )
    other = forms.TypedChoiceField(
        label="谈话对象",
        coerce=int,
        error_messages={"required": "请选择谈话对象", "invalid_choice": "请选择谈话对象"},
    )
    kind = forms.ChoiceField(
        label="谈话类型", choices=TalkKind.choices, error_messages={"required": "请选择谈话类型"}
    )
    place = forms.CharField(label="谈话地点", max_length=100, required=False)
    summary = forms.CharField(
        label="谈话内容摘要",
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": "请填写谈话内容摘要"},
        help_text="写明交流了哪些思想、工作和生活情况,提出了哪些意见建议",
    )

    def __init__(self, *args, members=(), hints=None, **kwargs):
        super().__init__(*args, **kwargs)
        hints = hints or {}
        choices = [("", "请选择")] + [(m["pk"], m["label"]) for m in members]
        self.fields["initiator"].choices = choices
        self.fields["other"].choices = [("", "请选择")] + [
            (m["pk"], f"{m['label']}{hints.get(m['pk'], '')}") for m in members
        ]
        self.fields["initiator"].widget.attrs["autocomplete"] = "off"


class TalkCorrectionForm(TalkForm):
    reason = forms.CharField(label="更正原因", max_length=200, error_messages={"required": "请填写更正原因"})
