"""Forms of cadre supervision (parse only; the rules and messages live in ``cadres.services``)."""

from __future__ import annotations

from django import forms

from core.forms import StyledForm

from .models import (
    DIMENSIONS,
    ORGANIZATION_FORMS,
    AccountabilityForm,
    AdjustmentKind,
    AdjustmentMethod,
    Level,
    Occasion,
)

DATE = {"type": "date"}


def _date(label: str) -> forms.DateField:
    return forms.DateField(
        label=label,
        widget=forms.DateInput(attrs=DATE, format="%Y-%m-%d"),
        error_messages={"required": f"请填写{label}", "invalid": f"{label}格式不正确"},
    )


def _text(label: str, rows: int = 3, required: bool = False, help_text: str = "") -> forms.CharField:
    return forms.CharField(
        label=label,
        required=required,
        max_length=2000,
        help_text=help_text,
        widget=forms.Textarea(attrs={"rows": rows}),
        error_messages={"required": f"请填写{label}"},
    )


def _choice(label: str, choices, required: bool = True) -> forms.ChoiceField:
    return forms.ChoiceField(
        label=label,
        required=required,
        choices=[("", "请选择"), *choices],
        error_messages={"required": f"请选择{label}", "invalid_choice": f"请选择{label}"},
    )


class PurposeForm(StyledForm):
    purpose = forms.CharField(
        label="查阅目的",
        max_length=200,
        error_messages={"required": "请填写查阅目的"},
        help_text="本次查阅的目的将连同查阅人、时间记录在档案的查阅记录中",
    )


class FileForm(StyledForm):
    person = forms.TypedChoiceField(
        label="干部", coerce=int, error_messages={"required": "请选择干部", "invalid_choice": "请选择干部"}
    )
    org = forms.TypedChoiceField(
        label="所在单位",
        coerce=int,
        error_messages={"required": "请选择所在单位", "invalid_choice": "请选择所在单位"},
    )
    rank = forms.CharField(label="职级", max_length=30, required=False)
    post = forms.CharField(label="现任职务", max_length=100, required=False)

    def __init__(self, *args, people=(), units=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].choices = [("", "请选择")] + [(p.pk, f"{p.name}({p.org.name})") for p in people]
        self.fields["org"].choices = [("", "请选择")] + [(o.pk, o.name) for o in units]


class InspectionForm(StyledForm):
    held_on = _date("考察日期")
    occasion = _choice("考察类型", Occasion.choices)
    conclusion = _text("考察结论")
    life_circle = _text("生活圈", help_text="8小时以外:家庭生活、兴趣爱好、日常消费等方面的情况")
    social_circle = _text("社交圈", help_text="8小时以外:交往对象、社交活动等方面的情况")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for key, label in DIMENSIONS:
            self.fields[f"{key}_level"] = _choice(f"{label}等次", Level.choices)
            self.fields[f"{key}_text"] = _text(f"{label}情况", rows=2)
            for name in (f"{key}_level", f"{key}_text"):
                self.fields[name].widget.attrs["class"] = (
                    "form-select" if name.endswith("level") else "form-control"
                )

    def dimension_rows(self):
        return [(label, self[f"{key}_level"], self[f"{key}_text"]) for key, label in DIMENSIONS]


class AdjustmentForm(StyledForm):
    kind = _choice("调整类型", AdjustmentKind.choices)
    decided_on = _date("决定日期")
    ground = forms.TypedChoiceField(
        label="依据(不适宜担任现职的情形)", coerce=int, required=False, empty_value=None
    )
    method = _choice("调整方式", AdjustmentMethod.choices, required=False)
    new_post = forms.CharField(label="调整后职务", max_length=100, required=False)
    facts = _text("事实与理由")

    def __init__(self, *args, grounds=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["ground"].choices = [("", "不适宜担任现职调整时选择")] + [
            (g.pk, f"{g.article} {g.text}") for g in grounds
        ]


class AccountabilityDecisionForm(StyledForm):
    form = _choice(
        "问责方式",
        [
            (f, AccountabilityForm(f).label)
            for f in (
                AccountabilityForm.CIRCULAR,
                AccountabilityForm.ADMONISH,
                AccountabilityForm.ADJUST,
                AccountabilityForm.DISCIPLINE,
            )
        ],
    )
    ground = forms.TypedChoiceField(
        label="依据(问责情形)",
        coerce=int,
        error_messages={"required": "请选择问责情形", "invalid_choice": "请选择问责情形"},
    )
    decided_on = _date("决定日期")
    decided_by = forms.CharField(
        label="问责决定机关", max_length=100, error_messages={"required": "请填写问责决定机关"}
    )
    facts = _text("失职失责事实", required=True)

    def __init__(self, *args, grounds=(), party_orgs=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["ground"].choices = [("", "请选择")] + [(g.pk, f"{g.article} {g.text}") for g in grounds]
        if party_orgs is not None:  # 问责 of a party organization: its own forms
            self.fields["form"].choices = [("", "请选择")] + [
                (f, AccountabilityForm(f).label) for f in ORGANIZATION_FORMS
            ]
            self.fields["party_org"] = forms.TypedChoiceField(
                label="被问责党组织",
                coerce=int,
                choices=[("", "请选择")] + [(o.pk, o.name) for o in party_orgs],
                error_messages={"required": "请选择党组织", "invalid_choice": "请选择党组织"},
            )
            self.fields["party_org"].widget.attrs["class"] = "form-select"
            self.order_fields(["party_org"])


class RevokeForm(StyledForm):
    reason = forms.CharField(label="撤销原因", max_length=200, error_messages={"required": "请填写撤销原因"})
