"""Forms of the member development pages (发展党员). They parse input only; the rules and their
Chinese messages live in ``party.development.services`` (``ServiceError.field`` names these fields)."""

from __future__ import annotations

from django import forms

from party.development import steps as development_steps
from party.forms import PartyForm, UploadsField

DATE = {"type": "date"}


def _date(label, required=False):
    return forms.DateField(
        label=label,
        required=required,
        widget=forms.DateInput(attrs=DATE, format="%Y-%m-%d"),
        error_messages={"required": f"请填写{label}", "invalid": f"{label}格式不正确"},
    )


class ApplicationForm(PartyForm):
    name = forms.CharField(label="姓名", max_length=50, error_messages={"required": "请填写姓名"})
    gender = forms.ChoiceField(
        label="性别",
        choices=[("", "请选择"), ("M", "男"), ("F", "女")],
        error_messages={"required": "请选择性别"},
    )
    birth_date = _date("出生日期", required=True)
    applied_on = _date("递交申请日期", required=True)
    frontline = forms.BooleanField(label="生产、工作一线", required=False)
    note = forms.CharField(label="说明", required=False, widget=forms.Textarea(attrs={"rows": 2}))
    documents = UploadsField(label="入党申请书(PDF、Word)", accept=".pdf,.doc,.docx")


class StepForm(PartyForm):
    """One form for every step; the page shows the fields the step needs (``steps.Step.needs``)."""

    number = forms.IntegerField(widget=forms.HiddenInput)
    expected_step = forms.IntegerField(widget=forms.HiddenInput)
    done_on = _date("日期", required=True)
    deciding_org = forms.TypedChoiceField(label="决定/审批党委", coerce=int, required=False, empty_value=None)
    people = forms.TypedMultipleChoiceField(label="人员", coerce=int, required=False)
    meeting = forms.TypedChoiceField(label="支部党员大会", coerce=int, required=False, empty_value=None)
    yes = forms.IntegerField(label="赞成", min_value=0, required=False)
    no = forms.IntegerField(label="反对", min_value=0, required=False)
    abstain = forms.IntegerField(label="弃权", min_value=0, required=False)
    written_yes = forms.IntegerField(label="书面赞成", min_value=0, required=False)
    written_no = forms.IntegerField(label="书面反对", min_value=0, required=False)
    written_abstain = forms.IntegerField(label="书面弃权", min_value=0, required=False)
    passed = forms.TypedChoiceField(
        label="结论",
        choices=[("1", "合格/同意"), ("0", "不合格/不同意")],
        coerce=lambda v: v == "1",
        required=False,
    )
    training_days = forms.IntegerField(label="培训天数", min_value=0, required=False)
    training_hours = forms.DecimalField(label="培训学时", min_value=0, required=False)
    notice_from = _date("公示开始日期")
    notice_to = _date("公示结束日期")
    outcome = forms.ChoiceField(
        label="讨论结果",
        choices=[("full", "按期转正"), ("extend", "延长预备期"), ("cancel", "取消预备党员资格")],
        required=False,
    )
    extension_months = forms.IntegerField(label="延长月数(6–12)", required=False)
    checklist = forms.MultipleChoiceField(
        label="归档材料",
        choices=[(item, item) for item in development_steps.ARCHIVE_CHECKLIST],
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    note = forms.CharField(label="说明", required=False, widget=forms.Textarea(attrs={"rows": 2}))
    documents = UploadsField(label="材料(PDF、Word、Excel)", accept=".pdf,.doc,.docx,.xls,.xlsx")
    # Warnings at entry: a soft rule broken asks "仍要登记" with a reason (说明理由).
    confirm = forms.BooleanField(required=False, widget=forms.HiddenInput)
    confirm_reason = forms.CharField(
        label="说明理由", required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, orgs=(), people=(), meetings=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["deciding_org"].choices = [("", "请选择")] + [(o.pk, o.name) for o in orgs]
        self.fields["people"].choices = [(p.pk, p.name) for p in people]
        self.fields["people"].widget.attrs["size"] = "6"
        self.fields["meeting"].choices = [("", "请选择")] + [
            (m.pk, f"{m.held_on:%Y-%m-%d} {m.topic}") for m in meetings
        ]
        self.fields["checklist"].widget.attrs["class"] = ""


class PlanForm(PartyForm):
    org = forms.TypedChoiceField(label="党组织", coerce=int)
    year = forms.IntegerField(label="年度")
    quota = forms.IntegerField(label="发展名额", min_value=0, error_messages={"required": "请填写发展名额"})
    women_min = forms.IntegerField(label="女性不少于", min_value=0, required=False)
    young_min = forms.IntegerField(label="35岁及以下不少于", min_value=0, required=False)
    frontline_min = forms.IntegerField(label="一线不少于", min_value=0, required=False)

    def __init__(self, *args, orgs=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["org"].choices = [(o.pk, o.name) for o in orgs]


def _attach(self, error) -> None:
    hidden = ("number", "expected_step")
    field = error.field if error.field in self.fields and error.field not in hidden else None
    self.add_error(field, error.message)


StepForm.attach = _attach


class CorrectionForm(PartyForm):
    """Correct a recorded step (更正): the page shows the fields the step has; the reason is
    required and kept with the new version."""

    reason = forms.CharField(label="更正原因", max_length=200, error_messages={"required": "请填写更正原因"})
    done_on = _date("日期", required=True)
    deciding_org = forms.TypedChoiceField(label="决定/审批党委", coerce=int, required=False, empty_value=None)
    people = forms.TypedMultipleChoiceField(label="人员", coerce=int, required=False)
    training_days = forms.IntegerField(label="培训天数", min_value=0, required=False)
    training_hours = forms.DecimalField(label="培训学时", min_value=0, required=False)
    notice_from = _date("公示开始日期")
    notice_to = _date("公示结束日期")
    note = forms.CharField(label="说明", required=False, widget=forms.Textarea(attrs={"rows": 2}))
    documents = UploadsField(label="补充材料(PDF、Word、Excel)", accept=".pdf,.doc,.docx,.xls,.xlsx")

    def __init__(self, *args, orgs=(), people=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["deciding_org"].choices = [("", "请选择")] + [(o.pk, o.name) for o in orgs]
        self.fields["people"].choices = [(p.pk, p.name) for p in people]
        self.fields["people"].widget.attrs["size"] = "6"

    def attach(self, error) -> None:
        self.add_error(error.field if error.field in self.fields else None, error.message)


class SubmitForm(PartyForm):
    """The branch submits a step the higher 党委 decides (报上级党委备案/预审/审批)."""

    submitted_on = _date("报送日期", required=True)
    note = forms.CharField(label="报送说明", required=False, widget=forms.Textarea(attrs={"rows": 2}))
    documents = UploadsField(label="报送材料(PDF、Word、Excel)", accept=".pdf,.doc,.docx,.xls,.xlsx")

    def attach(self, error) -> None:
        self.add_error(error.field if error.field in self.fields else None, error.message)


class SubmissionDecisionForm(PartyForm):
    """The 党委 handles a submission: 同意/办结 (records the step) or 退回 with the reason."""

    action = forms.ChoiceField(
        label="办理",
        choices=[("approve", "同意(登记该步骤)"), ("return", "退回党支部")],
        widget=forms.RadioSelect,
        error_messages={"required": "请选择办理方式"},
    )
    done_on = _date("办理日期")
    passed = forms.TypedChoiceField(
        label="审批意见",
        choices=[("1", "同意"), ("0", "不同意")],
        coerce=lambda v: v == "1",
        required=False,
    )
    note = forms.CharField(
        label="办理意见/退回理由", required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
    confirm = forms.BooleanField(required=False, widget=forms.HiddenInput)
    confirm_reason = forms.CharField(
        label="说明理由", required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["action"].widget.attrs["class"] = ""

    def attach(self, error) -> None:
        self.add_error(error.field if error.field in self.fields else None, error.message)


class DecisionForm(PartyForm):
    """The 党委's decision on an item of its approval queue (审批)."""

    done_on = _date("审批日期", required=True)
    passed = forms.TypedChoiceField(
        label="审批意见",
        choices=[("1", "同意"), ("0", "不同意")],
        coerce=lambda v: v == "1",
        error_messages={"required": "请选择审批意见"},
    )
    note = forms.CharField(label="说明(超过3个月审批须说明)", required=False, max_length=2000)
    expected_step = forms.IntegerField(widget=forms.HiddenInput)
