"""Forms of elections and approvals (换届选举、书记副书记报批). Parsing only: the rules and their
Chinese messages live in ``party.terms.services`` (``ServiceError.field`` names the field)."""

from __future__ import annotations

from django import forms

from party.forms import PartyForm, date_field, text_field
from party.terms.models import AppointmentPost
from party.terms.services import COMMITTEE_POSTS

ROWS = 7  # a committee has 3–5 members, generally no more than 7 (rules.md §1.19)


def _count(label):
    return forms.IntegerField(
        label=label,
        min_value=0,
        error_messages={
            "required": f"请填写{label}",
            "invalid": f"{label}须为整数",
            "min_value": f"{label}不能为负数",
        },
    )


class ElectionForm(PartyForm):
    held_on = date_field("选举日期")
    eligible = _count("应到会有选举权党员(人)")
    present = _count("实到会有选举权党员(人)")
    note = text_field("说明")

    def __init__(self, *args, members=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.members = list(members or [])
        self.rows = []

    def committee(self, data) -> list[dict]:
        """The committee rows ``person_i``/``post_i``/``votes_i`` of the posted form."""
        rows = []
        for i in range(ROWS):
            person = (data.get(f"person_{i}") or "").strip()
            if not person:
                continue
            rows.append(
                {
                    "person": person,
                    "post": data.get(f"post_{i}") or "committee_member",
                    "votes": data.get(f"votes_{i}"),
                }
            )
        return rows

    def row_values(self, data=None) -> list[dict]:
        data = data or {}
        return [
            {
                "index": i,
                "person": str(data.get(f"person_{i}", "")),
                "post": data.get(f"post_{i}", "secretary" if i == 0 else "committee_member"),
                "votes": data.get(f"votes_{i}", ""),
            }
            for i in range(ROWS)
        ]


POSTS = list(COMMITTEE_POSTS.items())


class AppointmentForm(PartyForm):
    person = forms.ModelChoiceField(
        label="人选(本组织正式党员)",
        queryset=None,
        empty_label="请选择",
        error_messages={"required": "请选择人选"},
    )
    post = forms.ChoiceField(
        label="职务", choices=AppointmentPost.choices, error_messages={"required": "请选择职务"}
    )
    elected_on = date_field("选举日期")

    def __init__(self, *args, people=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = people


class CadreForm(PartyForm):
    member = forms.ModelChoiceField(
        label="党员", queryset=None, empty_label="请选择", error_messages={"required": "请选择党员"}
    )
    team = forms.ModelChoiceField(
        label="所在领导班子(党委/党工委/党组)",
        queryset=None,
        empty_label="请选择",
        error_messages={"required": "请选择领导班子"},
    )
    title = text_field("领导职务", required=True, max_length=50)
    start_on = date_field("任职日期")

    def __init__(self, *args, members=None, teams=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member"].queryset = members
        self.fields["team"].queryset = teams
