"""Forms of the 走流程 pages (filled in on a phone): they parse only; the rules and their Chinese
messages live in ``walks.services``."""

from django import forms

from core.forms import MultipleFilesField, StyledForm

from .models import AsWhom

DATE = {"type": "date"}


class WalkForm(StyledForm):
    large = True
    leader = forms.TypedChoiceField(
        label="领导干部", coerce=int, error_messages={"required": "请选择领导干部"}
    )
    service = forms.CharField(
        label="办理事项",
        max_length=100,
        widget=forms.TextInput(attrs={"placeholder": "如:办理不动产登记、新生儿落户、开办企业、12345诉求"}),
        error_messages={"required": "请填写办理事项"},
    )
    place = forms.CharField(
        label="办事地点/窗口", max_length=150, error_messages={"required": "请填写办事地点/窗口"}
    )
    as_whom = forms.ChoiceField(label="以什么身份办事", choices=AsWhom.choices, initial=AsWhom.RESIDENT)
    walked_on = forms.DateField(
        label="走流程日期",
        widget=forms.DateInput(attrs=DATE, format="%Y-%m-%d"),
        error_messages={"required": "请填写走流程日期", "invalid": "日期格式不正确"},
    )
    summary = forms.CharField(
        label="总体感受(可稍后填写)", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, leaders=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["leader"].choices = [(x.pk, f"{x.name}({x.title})") for x in leaders]
        if len(leaders) != 1:
            self.fields["leader"].choices = [("", "请选择")] + self.fields["leader"].choices


class StepForm(StyledForm):
    large = True
    step_title = forms.CharField(label="环节", max_length=100, error_messages={"required": "请填写环节"})
    minutes = forms.IntegerField(
        label="用时(分钟)", min_value=0, error_messages={"required": "请填写用时", "invalid": "用时应为整数"}
    )
    observation = forms.CharField(
        label="观察到的情况", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class ProblemForm(StyledForm):
    large = True
    description = forms.CharField(
        label="问题描述",
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "请填写问题描述"},
    )
    step = forms.TypedChoiceField(label="发现环节", coerce=int, required=False, empty_value=None)
    photos = MultipleFilesField(label="照片(可多张)", required=False)

    def __init__(self, *args, steps=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["step"].choices = [("", "不指定")] + [(s.pk, f"{s.sort}. {s.title}") for s in steps]
        self.fields["photos"].widget.attrs["accept"] = "image/*"


class CaseForm(StyledForm):
    category = forms.TypedChoiceField(
        label="事项分类", coerce=int, error_messages={"required": "请选择事项分类"}
    )
    area = forms.TypedChoiceField(label="所在区域(街道/社区)", coerce=int, required=False, empty_value=None)
    lead_unit = forms.TypedChoiceField(
        label="主办单位", coerce=int, error_messages={"required": "请选择主办单位"}
    )
    instructions = forms.CharField(label="交办意见", required=False, max_length=500)

    def __init__(self, *args, categories=(), areas=(), units=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = [("", "请选择")] + [
            (c.pk, f"{c.code} {c.name}") for c in categories
        ]
        self.fields["area"].choices = [("", "不指定(全区)")] + [(o.pk, o.name) for o in areas]
        self.fields["lead_unit"].choices = [("", "请选择")] + [(o.pk, o.name) for o in units]


class TaskForm(StyledForm):
    lead_unit = forms.TypedChoiceField(
        label="牵头单位", coerce=int, error_messages={"required": "请选择牵头单位"}
    )
    deadline = forms.DateField(
        label="整改时限",
        widget=forms.DateInput(attrs=DATE, format="%Y-%m-%d"),
        error_messages={"required": "请填写整改时限", "invalid": "日期格式不正确"},
    )
    title = forms.CharField(label="任务名称(可不填)", required=False, max_length=300)

    def __init__(self, *args, units=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lead_unit"].choices = [("", "请选择")] + [(o.pk, o.name) for o in units]


class WithdrawForm(StyledForm):
    reason = forms.CharField(label="撤回原因", max_length=200, error_messages={"required": "请填写撤回原因"})
