"""Forms of the workplan pages. They only parse input; the rules and their Chinese messages live in
``workplan.services`` (``ServiceError.field`` names these fields)."""

from __future__ import annotations

from django import forms

from core.forms import MultipleFilesField, StyledForm
from orgs.models import Org

from .models import (
    EVIDENCE_KINDS,
    AccountabilityForm,
    Cadence,
    LinkKind,
    NoticeKind,
    PlanKind,
    Priority,
)
from .units import LEADABLE_KINDS


class FilesField(MultipleFilesField):
    """Several files in one input; content and size are checked by the service."""


class WorkplanForm(StyledForm):
    """The work-plan pages' forms."""


DATE = {"widget": forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})}


def unit_queryset(user):
    return Org.objects.visible_to(user, "view").filter(archived_at__isnull=True, kind__in=LEADABLE_KINDS)


def owner_queryset(user):
    return Org.objects.visible_to(user, "supervise").filter(
        archived_at__isnull=True, kind__in=("department", "office", "party_committee", "district")
    )


class PlanFieldsForm(WorkplanForm):
    title = forms.CharField(label="计划名称", max_length=120)
    kind = forms.ChoiceField(label="类别", choices=PlanKind.choices)
    owner = forms.ModelChoiceField(
        label="督办单位", queryset=Org.objects.none(), error_messages={"required": "请选择督办单位"}
    )
    source_meeting = forms.CharField(label="来源会议/文件", max_length=200, required=False)
    document_no = forms.CharField(label="文号", max_length=60, required=False)
    source_date = forms.DateField(label="会议/发文日期", required=False, **DATE)
    source_file = forms.FileField(
        label="来源文件(可选)", required=False, help_text="会议纪要、文件原件等,PDF 或 Word"
    )

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        owners = owner_queryset(user)
        self.fields["owner"].queryset = owners
        preferred = owners.filter(name__contains="督查").first()
        if preferred is not None and not self.is_bound:
            self.fields["owner"].initial = preferred.pk


class TaskForm(WorkplanForm):
    title = forms.CharField(label="工作任务", max_length=300)
    parent = forms.ModelChoiceField(label="上级任务", queryset=None, required=False, empty_label="(一级任务)")
    lead_unit = forms.ModelChoiceField(label="牵头单位", queryset=Org.objects.none(), required=False)
    co_units = forms.ModelMultipleChoiceField(label="配合单位", queryset=Org.objects.none(), required=False)
    leader_name = forms.CharField(label="责任领导", max_length=50, required=False)
    responsible_name = forms.CharField(label="责任人", max_length=50, required=False)
    start_on = forms.DateField(
        label="开始日期",
        error_messages={"required": "请填写开始日期", "invalid": "开始日期格式不正确"},
        **DATE,
    )
    deadline = forms.DateField(
        label="完成时限",
        error_messages={"required": "请填写完成时限", "invalid": "完成时限格式不正确"},
        **DATE,
    )
    cadence = forms.ChoiceField(label="报送频次", choices=Cadence.choices, initial=Cadence.MONTHLY)
    expected_result = forms.CharField(label="预期成果", max_length=300, required=False)
    evidence_kinds = forms.MultipleChoiceField(
        label="成果形式",
        choices=[(k, k) for k in EVIDENCE_KINDS],
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    priority = forms.ChoiceField(label="优先级", choices=Priority.choices, initial=Priority.NORMAL)
    tags = forms.CharField(label="标签", max_length=100, required=False, help_text="以顿号分隔,如:组织、党建")
    weight = forms.DecimalField(
        label="权重", min_value=0.01, max_value=1000, initial=1, error_messages={"invalid": "权重应为数字"}
    )
    description = forms.CharField(label="任务要求", required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, user=None, plan=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["parent"].queryset = (
            plan.tasks.filter(state="active", reports_count=0) if plan else Org.objects.none()
        )
        units = unit_queryset(user)
        self.fields["lead_unit"].queryset = units
        self.fields["co_units"].queryset = units


class ChangeTaskForm(WorkplanForm):
    title = forms.CharField(label="工作任务", max_length=300, required=False)
    start_on = forms.DateField(label="开始日期", required=False, **DATE)
    deadline = forms.DateField(label="完成时限", required=False, **DATE)
    cadence = forms.ChoiceField(label="报送频次", choices=Cadence.choices, required=False)
    priority = forms.ChoiceField(label="优先级", choices=Priority.choices, required=False)
    weight = forms.DecimalField(label="权重", min_value=0.01, max_value=1000, required=False)
    leader_name = forms.CharField(label="责任领导", max_length=50, required=False)
    responsible_name = forms.CharField(label="责任人", max_length=50, required=False)
    lead_unit = forms.ModelChoiceField(label="牵头单位", queryset=Org.objects.none(), required=False)
    co_units = forms.ModelMultipleChoiceField(label="配合单位", queryset=Org.objects.none(), required=False)
    description = forms.CharField(label="任务要求", required=False, widget=forms.Textarea(attrs={"rows": 2}))
    expected_result = forms.CharField(label="预期成果", max_length=300, required=False)
    evidence_kinds = forms.MultipleChoiceField(
        label="成果形式",
        choices=[(k, k) for k in EVIDENCE_KINDS],
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    tags = forms.CharField(label="标签", max_length=100, required=False, help_text="以顿号分隔,如:组织、党建")
    reason = forms.CharField(
        label="调整理由", max_length=300, required=False, help_text="计划下达后调整时限或承办单位须填写"
    )

    EDITABLE = (
        "title",
        "start_on",
        "deadline",
        "cadence",
        "priority",
        "weight",
        "leader_name",
        "responsible_name",
        "description",
        "expected_result",
        "evidence_kinds",
        "tags",
    )
    # Text that may be emptied on purpose (an empty date, number or choice means "unchanged").
    CLEARABLE = ("leader_name", "responsible_name", "description", "expected_result", "tags")

    @staticmethod
    def initial_for(task) -> dict:
        values = {name: getattr(task, name) for name in ChangeTaskForm.EDITABLE}
        values["evidence_kinds"] = task.evidence_kind_list
        return values

    @staticmethod
    def changes(task, data: dict, submitted) -> dict:
        """The edited fields whose value differs from the task's. A text field left out of the
        request is unchanged; one sent empty is cleared. The 成果形式 checkboxes count as sent with
        every submission (a browser sends nothing for a group with no box ticked)."""
        changes = {}
        for name in ChangeTaskForm.EDITABLE:
            value = data.get(name)
            if name == "evidence_kinds":
                value, current = list(value or []), task.evidence_kind_list
            elif name in ChangeTaskForm.CLEARABLE and name in submitted:
                value, current = value or "", getattr(task, name)
            elif value in (None, ""):
                continue
            else:
                current = getattr(task, name)
            if value != current:
                changes[name] = value
        return changes

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        units = unit_queryset(user)
        self.fields["lead_unit"].queryset = units
        self.fields["co_units"].queryset = units


class ReportForm(WorkplanForm):
    percent = forms.IntegerField(
        label="完成进度(%)",
        min_value=0,
        max_value=100,
        error_messages={
            "required": "请填写完成进度",
            "min_value": "完成进度不能小于0",
            "max_value": "完成进度不能超过100",
            "invalid": "完成进度应为整数",
        },
    )
    done_text = forms.CharField(
        label="工作进展",
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "请填写工作进展"},
    )
    problems = forms.CharField(label="存在问题", required=False, widget=forms.Textarea(attrs={"rows": 2}))
    next_steps = forms.CharField(label="下步打算", required=False, widget=forms.Textarea(attrs={"rows": 2}))
    evidence_kind = forms.ChoiceField(
        label="成果形式", choices=[(k, k) for k in EVIDENCE_KINDS], initial="文件"
    )
    evidence = FilesField(
        label="佐证材料", help_text="PDF、Word、Excel、PPT、JPG、PNG 或 TXT,单个不超过 20 MB"
    )
    complete = forms.BooleanField(label="已全部完成,申请办结(须上传佐证材料)", required=False)


class CoInputForm(WorkplanForm):
    unit = forms.ModelChoiceField(label="配合单位", queryset=Org.objects.none())
    text = forms.CharField(
        label="配合工作情况",
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": "请填写配合工作情况"},
    )

    def __init__(self, *args, units=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = Org.objects.filter(pk__in=[u.pk for u in units])


class VerifyForm(WorkplanForm):
    decision = forms.ChoiceField(
        label="核验结论",
        choices=(("accept", "核验通过,办结"), ("return", "不通过,退回")),
        widget=forms.RadioSelect,
        error_messages={"required": "请选择核验结论"},
    )
    note = forms.CharField(
        label="核验意见/退回理由", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class ReasonForm(WorkplanForm):
    reason = forms.CharField(label="原因", max_length=300, error_messages={"required": "请填写原因"})


class NoticeForm(WorkplanForm):
    kind = forms.ChoiceField(
        label="督办方式",
        choices=[
            (NoticeKind.NOTICE, "督办通知单"),
            (NoticeKind.CIRCULAR, "通报"),
            (NoticeKind.REMINDER, "催办"),
        ],
    )
    text = forms.CharField(
        label="督办内容",
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "请填写督办内容"},
    )
    reply_days = forms.IntegerField(label="回复期限(工作日)", required=False, min_value=1, max_value=30)


class AccountabilityEntryForm(WorkplanForm):
    unit = forms.ModelChoiceField(label="责任单位", queryset=Org.objects.none())
    person_name = forms.CharField(label="责任人", max_length=50, required=False)
    form = forms.ChoiceField(label="问责方式", choices=AccountabilityForm.choices)
    reason = forms.CharField(
        label="问责事由",
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": "请填写问责事由"},
    )
    decision_no = forms.CharField(label="决定文号", max_length=60, required=False)
    decision_file = forms.FileField(label="决定文书", required=False)

    def __init__(self, *args, units=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = Org.objects.filter(pk__in=[u.pk for u in units])


class DecideForm(WorkplanForm):
    decision = forms.ChoiceField(
        label="决定", choices=(("decide", "予以问责"), ("dismiss", "不予问责")), widget=forms.RadioSelect
    )
    form = forms.ChoiceField(
        label="问责方式", choices=[("", "—")] + list(AccountabilityForm.choices), required=False
    )
    person_name = forms.CharField(label="责任人", max_length=50, required=False)
    decision_no = forms.CharField(label="决定文号", max_length=60, required=False)
    reason = forms.CharField(
        label="事由/不予问责理由", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    decision_file = forms.FileField(label="决定文书", required=False)


class MilestoneForm(WorkplanForm):
    title = forms.CharField(label="节点目标", max_length=200, error_messages={"required": "请填写节点目标"})
    due_on = forms.DateField(label="节点时限", error_messages={"required": "请填写节点时限"}, **DATE)
    field_aliases = {"milestone_title": "title", "milestone_due_on": "due_on"}


class LinkForm(WorkplanForm):
    kind = forms.ChoiceField(label="关联类型", choices=LinkKind.choices)
    ref = forms.CharField(
        label="事项编号 / 组织名称 / 链接", max_length=300, error_messages={"required": "请填写要关联的记录"}
    )
    label = forms.CharField(label="说明", max_length=200, required=False)


class ReplyForm(WorkplanForm):
    reply = forms.CharField(
        label="情况说明",
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": "请填写情况说明"},
    )


class DraftForm(WorkplanForm):
    text = forms.CharField(label="讲话或文件全文", required=False, widget=forms.Textarea(attrs={"rows": 12}))
    file = forms.FileField(label="或上传文本文件(.txt)", required=False)
    year = forms.IntegerField(label="年度(用于推算“6月底前”等时限)", min_value=2000, max_value=2100)

    def clean(self):
        data = super().clean()
        upload = data.get("file")
        if upload is not None:
            raw = upload.read(2 * 1024 * 1024 + 1)
            if len(raw) > 2 * 1024 * 1024:
                raise forms.ValidationError({"file": "文件超过 2 MB"})
            for encoding in ("utf-8-sig", "gb18030"):
                try:
                    data["text"] = raw.decode(encoding)
                    break
                except UnicodeDecodeError:
                    continue
            else:
                raise forms.ValidationError({"file": "无法识别文件编码,请另存为 UTF-8 文本"})
        if not (data.get("text") or "").strip():
            raise forms.ValidationError({"text": "请粘贴讲话或文件全文,或上传文本文件"})
        return data


class AcceptDraftForm(PlanFieldsForm):
    start_on = forms.DateField(label="开始日期", **DATE)
    default_deadline = forms.DateField(label="默认完成时限", help_text="未写明时限的任务使用该日期", **DATE)
    outline = forms.CharField(
        label="任务清单(每行一项,缩进两个空格表示下级,[牵头单位、配合单位],(时限:YYYY-MM-DD))",
        widget=forms.Textarea(attrs={"rows": 20, "class": "font-monospace", "spellcheck": "false"}),
    )
    source_text = forms.CharField(required=False, widget=forms.HiddenInput)


class ImportForm(PlanFieldsForm):
    start_on = forms.DateField(label="开始日期", **DATE)
    file = forms.FileField(label="Excel 文件(.xlsx)")


class FilterForm(forms.Form):
    status = forms.ChoiceField(required=False)
    unit = forms.IntegerField(required=False)
    leader = forms.CharField(required=False)
    plan = forms.IntegerField(required=False)
    q = forms.CharField(required=False)


class ActivityListForm(WorkplanForm):
    """活动清单: a campaign's monthly activity list, created from a template."""

    template = forms.ChoiceField(label="活动清单模板")
    year = forms.IntegerField(label="年度", min_value=2000, max_value=2100)
    owner = forms.ModelChoiceField(
        label="牵头单位(活动办公室)",
        queryset=Org.objects.none(),
        error_messages={"required": "请选择牵头单位"},
    )

    def __init__(self, *args, user=None, **kwargs):
        from .activities import default_owner, template_choices

        super().__init__(*args, **kwargs)
        self.fields["template"].choices = template_choices()
        owners = owner_queryset(user)
        self.fields["owner"].queryset = owners
        preferred = default_owner(owners)
        if preferred is not None and not self.is_bound:
            self.fields["owner"].initial = preferred.pk
