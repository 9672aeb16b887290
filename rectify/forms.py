"""Forms of the 巡视巡察整改 pages; rules and Chinese messages live in ``rectify.services``."""

from django import forms

from core.forms import MultipleFilesField, StyledForm

from .models import Source

DATE = {"type": "date"}


def _date(label, required=True):
    return forms.DateField(
        label=label,
        required=required,
        widget=forms.DateInput(attrs=DATE, format="%Y-%m-%d"),
        error_messages={"required": f"请填写{label}", "invalid": "日期格式不正确"},
    )


class ListForm(StyledForm):
    issuer = forms.TypedChoiceField(
        label="下发单位(负责销号)", coerce=int, error_messages={"required": "请选择下发单位"}
    )
    title = forms.CharField(label="清单名称", max_length=150, error_messages={"required": "请填写清单名称"})
    source = forms.ChoiceField(
        label="问题来源", choices=Source.choices, error_messages={"required": "请选择问题来源"}
    )
    issuer_name = forms.CharField(
        label="反馈主体", max_length=100, required=False, help_text="如 区委第二巡察组"
    )
    unit = forms.TypedChoiceField(
        label="被巡视/巡察单位", coerce=int, error_messages={"required": "请选择被巡视/巡察单位"}
    )
    document_no = forms.CharField(label="文号", max_length=60, required=False)
    feedback_on = _date("反馈日期")

    def __init__(self, *args, issuers=(), units=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["issuer"].choices = [(o.pk, o.name) for o in issuers]
        self.fields["unit"].choices = [("", "请选择")] + [(o.pk, o.name) for o in units]


class ProblemForm(StyledForm):
    text = forms.CharField(
        label="问题描述",
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": "请填写问题描述"},
    )
    number = forms.CharField(label="序号", max_length=20, required=False, help_text="不填则按顺序编号")


class ItemForm(StyledForm):
    problem = forms.TypedChoiceField(label="问题", coerce=int, error_messages={"required": "请选择问题"})
    measure = forms.CharField(
        label="整改措施",
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": "请填写整改措施"},
    )
    unit = forms.TypedChoiceField(label="责任单位", coerce=int, error_messages={"required": "请选择责任单位"})
    responsible_name = forms.CharField(label="责任人", max_length=50, required=False)
    deadline = _date("完成时限")

    def __init__(self, *args, problems=(), units=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["problem"].choices = [(p.pk, f"{p.number}. {p.text[:40]}") for p in problems]
        self.fields["unit"].choices = [("", "请选择")] + [(o.pk, o.name) for o in units]


class FindingForm(StyledForm):
    """转整改: the finding (hidden key), the problem text, the measure and who does it by when."""

    rule = forms.CharField(widget=forms.HiddenInput)
    org = forms.IntegerField(widget=forms.HiddenInput)
    period = forms.CharField(widget=forms.HiddenInput, required=False)
    issuer = forms.TypedChoiceField(
        label="下发单位(负责销号)", coerce=int, error_messages={"required": "请选择下发单位"}
    )
    text = forms.CharField(
        label="问题描述",
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "请填写问题描述"},
    )
    measure = forms.CharField(
        label="整改措施",
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": "请填写整改措施"},
    )
    responsible_name = forms.CharField(label="责任人", max_length=50, required=False)
    deadline = _date("完成时限")

    def __init__(self, *args, issuers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["issuer"].choices = [(o.pk, o.name) for o in issuers]


class ReviewForm(StyledForm):
    """转整改 of 述职评议: the list (下发单位, 名称, 反馈日期), the organization's problems (all
    checked) and the common requirement each problem's item carries, by when."""

    issuer = forms.TypedChoiceField(
        label="下发单位(负责销号)", coerce=int, error_messages={"required": "请选择下发单位"}
    )
    title = forms.CharField(label="清单名称", max_length=150, error_messages={"required": "请填写清单名称"})
    feedback_on = _date("反馈日期")
    problems = forms.TypedMultipleChoiceField(
        label="问题清单",
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "请至少选择一个问题", "invalid_choice": "所选问题无效"},
    )
    measure = forms.CharField(
        label="整改要求",
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": "请填写整改要求"},
        help_text="每个问题作为一项整改事项,由该党组织负责整改",
    )
    responsible_name = forms.CharField(label="责任人", max_length=50, required=False)
    deadline = _date("完成时限")

    def __init__(self, *args, issuers=(), problems=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["issuer"].choices = [(o.pk, o.name) for o in issuers]
        self.fields["problems"].choices = [(p.pk, p.text) for p in problems]


class ReportForm(StyledForm):
    percent = forms.IntegerField(
        label="完成进度(%)", min_value=0, max_value=100, error_messages={"required": "请填写完成进度"}
    )
    text = forms.CharField(
        label="整改进展",
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "请填写整改进展"},
    )
    complete = forms.BooleanField(label="整改完成,申请销号", required=False)
    evidence = MultipleFilesField(label="佐证材料(照片、文件)", required=False)


class CloseForm(StyledForm):
    note = forms.CharField(label="销号意见", max_length=300, required=False)


class ReturnForm(StyledForm):
    reason = forms.CharField(
        label="退回理由",
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": "请填写退回理由"},
    )
