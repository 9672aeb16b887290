"""Forms of the meeting pages (组织生活). They parse input only; the rules and their Chinese messages live in
``party.life.services`` (``ServiceError.field`` names these fields)."""

from __future__ import annotations

from django import forms

from party.forms import PartyForm, UploadsField
from party.life.models import MeetingKind, ResolutionKind


class MeetingForm(PartyForm):
    kind = forms.ChoiceField(
        label="会议类型",
        # 谈心谈话 has its own log (party.talks.services): not a meeting to record here.
        choices=[("", "请选择")] + [c for c in MeetingKind.choices if c[0] != MeetingKind.TALK],
        error_messages={"required": "请选择会议类型"},
    )
    held_on = forms.DateField(
        label="召开日期",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"required": "请填写召开日期", "invalid": "召开日期格式不正确"},
    )
    place = forms.CharField(label="地点", max_length=100, required=False)
    topic = forms.CharField(label="会议主题", max_length=200, error_messages={"required": "请填写会议主题"})
    convener = forms.TypedChoiceField(label="召集人/主持人", coerce=int, required=False, empty_value=None)
    minutes = forms.CharField(label="会议记录", required=False, widget=forms.Textarea(attrs={"rows": 6}))
    decisions = forms.CharField(label="决定事项", required=False, widget=forms.Textarea(attrs={"rows": 3}))
    follow_ups = forms.CharField(label="后续落实", required=False, widget=forms.Textarea(attrs={"rows": 2}))
    photos = UploadsField(label="现场照片", accept="image/*")
    documents = UploadsField(label="附件(PDF、Word、Excel)", accept=".pdf,.doc,.docx,.xls,.xlsx")
    vote_subject = forms.CharField(label="表决事项(如有)", max_length=200, required=False)
    vote_kind = forms.ChoiceField(label="表决事项类型", choices=ResolutionKind.choices, required=False)
    vote_yes = forms.IntegerField(label="赞成", min_value=0, required=False)
    vote_no = forms.IntegerField(label="反对", min_value=0, required=False)
    vote_abstain = forms.IntegerField(label="弃权", min_value=0, required=False)

    def __init__(self, *args, conveners=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["convener"].choices = [("", "—")] + [(p.pk, p.name) for p in conveners]

    def resolutions(self) -> list[dict]:
        data = self.cleaned_data
        if not data.get("vote_subject"):
            return []
        return [
            {
                "subject": data["vote_subject"],
                "kind": data.get("vote_kind") or ResolutionKind.OTHER,
                "yes": data.get("vote_yes") or 0,
                "no": data.get("vote_no") or 0,
                "abstain": data.get("vote_abstain") or 0,
            }
        ]


class CorrectionForm(PartyForm):
    topic = forms.CharField(label="会议主题", max_length=200, error_messages={"required": "请填写会议主题"})
    place = forms.CharField(label="地点", max_length=100, required=False)
    minutes = forms.CharField(label="会议记录", required=False, widget=forms.Textarea(attrs={"rows": 6}))
    decisions = forms.CharField(label="决定事项", required=False, widget=forms.Textarea(attrs={"rows": 3}))
    follow_ups = forms.CharField(label="后续落实", required=False, widget=forms.Textarea(attrs={"rows": 2}))
    reason = forms.CharField(label="更正原因", max_length=200, error_messages={"required": "请填写更正原因"})


def parse_attendance(data) -> dict[int, tuple[str, str]]:
    """``att_<member id>`` (present / leave / absent) and ``reason_<member id>`` from the posted form.
    Every posted id goes to the service, which refuses members outside the organization."""
    result = {}
    for key, status in data.items():
        if key.startswith("att_") and key[4:].isdigit() and status:
            member_id = int(key[4:])
            result[member_id] = (status, data.get(f"reason_{member_id}", ""))
    return result
