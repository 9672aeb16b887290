"""Forms of the 理论学习中心组 pages: they parse only; the rules live in ``services``."""

from __future__ import annotations

from django import forms

from core.forms import guard_text_fields
from party.forms import PartyForm, date_field, text_field
from party.study_group.models import Presence, SessionKind, SpeechRole

SPEECH_ROWS = 3


def _style(form, names) -> None:
    """The Bootstrap classes ``StyledForm`` gives the fields it is born with, for the fields a
    form adds in its own ``__init__`` (one per month, member or speaker)."""
    for name in names:
        widget = form.fields[name].widget
        css = "form-select" if isinstance(widget, forms.Select) else "form-control"
        widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()
    guard_text_fields(form)


class PlanForm(PartyForm):
    """One planned topic per month (leave a month empty when nothing is planned)."""

    note = text_field("总体安排", max_length=2000, rows=3)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for month in range(1, 13):
            self.fields[f"topic_{month}"] = text_field(f"{month}月专题", max_length=120)
            self.fields[f"kind_{month}"] = forms.ChoiceField(
                label=f"{month}月学习形式", choices=SessionKind.choices, initial=SessionKind.COLLECTIVE
            )
        _style(self, [n for n in self.fields if n.startswith(("topic_", "kind_"))])

    def months(self):
        return [(m, self[f"topic_{m}"], self[f"kind_{m}"]) for m in range(1, 13)]

    def topics(self) -> list[tuple[int, str, str]]:
        data = self.cleaned_data
        return [(m, data[f"topic_{m}"], data[f"kind_{m}"]) for m in range(1, 13) if data.get(f"topic_{m}")]


class SessionForm(PartyForm):
    held_on = date_field("学习日期")
    topic = text_field("学习专题", required=True, max_length=120)
    kind = forms.ChoiceField(label="学习形式", choices=SessionKind.choices)
    host = forms.TypedChoiceField(
        label="主持人",
        coerce=int,
        error_messages={"required": "请选择主持人", "invalid_choice": "请选择主持人"},
    )
    minutes = forms.IntegerField(
        label="学习时长(分钟)",
        min_value=1,
        initial=180,
        error_messages={"required": "请填写学习时长", "invalid": "学习时长须为整数分钟"},
        help_text="半天按180分钟计",
    )
    place = text_field("学习地点", max_length=100)
    materials = text_field("学习内容(篇目)", max_length=2000, rows=2)
    summary = text_field("学习情况摘要", required=True, max_length=2000, rows=3)

    def __init__(self, *args, members=(), topics=(), **kwargs):
        super().__init__(*args, **kwargs)
        people = [(m.person_id, f"{m.person.name}({m.get_role_display()})") for m in members]
        self.members = list(members)
        self.fields["host"].choices = [("", "请选择")] + people
        for m in self.members:
            self.fields[f"att_{m.person_id}"] = forms.ChoiceField(
                label=m.person.name, choices=Presence.choices, initial=Presence.PRESENT
            )
            self.fields[f"reason_{m.person_id}"] = text_field(f"{m.person.name}请假事由", max_length=200)
            self.fields[f"reason_{m.person_id}"].widget.attrs["placeholder"] = "请假事由(请假时填写)"
        for i in range(1, SPEECH_ROWS + 1):
            self.fields[f"speaker_{i}"] = forms.TypedChoiceField(
                label=f"发言人{i}",
                coerce=int,
                required=False,
                empty_value=None,
                choices=[("", "无")] + people,
            )
            self.fields[f"role_{i}"] = forms.ChoiceField(
                label=f"发言类型{i}",
                choices=SpeechRole.choices,
                initial=SpeechRole.LEAD if i == 1 else SpeechRole.CENTRAL,
            )
            self.fields[f"speech_{i}"] = text_field(f"发言摘要{i}", max_length=2000, rows=2)
            self.fields[f"speech_{i}"].widget.attrs["placeholder"] = "发言摘要"
        _style(
            self,
            [n for n in self.fields if n.startswith(("att_", "reason_", "speaker_", "role_", "speech_"))],
        )
        if topics:
            self.fields["topic"].widget.attrs["list"] = "plan-topics"

    def attendance_rows(self):
        return [(m, self[f"att_{m.person_id}"], self[f"reason_{m.person_id}"]) for m in self.members]

    def speech_rows(self):
        return [
            (self[f"speaker_{i}"], self[f"role_{i}"], self[f"speech_{i}"]) for i in range(1, SPEECH_ROWS + 1)
        ]


class MemberForm(PartyForm):
    person = forms.TypedChoiceField(
        label="人员", coerce=int, error_messages={"required": "请选择人员", "invalid_choice": "请选择人员"}
    )
    role = forms.ChoiceField(label="组内职务", choices=[])
    title = text_field("领导职务", max_length=50)
    start_on = date_field("加入日期")

    def __init__(self, *args, people=(), **kwargs):
        from party.study_group.models import GroupRole

        super().__init__(*args, **kwargs)
        self.fields["person"].choices = [("", "请选择")] + list(people)
        self.fields["role"].choices = GroupRole.choices


class ReasonForm(PartyForm):
    reason = text_field("原因", required=True, max_length=200)
