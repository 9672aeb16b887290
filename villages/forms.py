"""Forms of the 四议两公开 pages; rules and Chinese messages live in ``villages.services``."""

from django import forms

from party.forms import PartyForm, UploadsField

from .models import MEETING_STEPS, MatterKind, PhotoStage, VillagersBody

DATE = {"type": "date"}


class DecisionForm(PartyForm):
    village = forms.TypedChoiceField(label="村", coerce=int, error_messages={"required": "请选择村"})
    title = forms.CharField(label="事项名称", max_length=150, error_messages={"required": "请填写事项名称"})
    matter = forms.ChoiceField(
        label="事项类别",
        choices=[("", "请选择")] + MatterKind.choices,
        error_messages={"required": "请选择事项类别"},
    )
    summary = forms.CharField(
        label="事项内容(将公开,请勿填写个人信息)",
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "请填写事项内容"},
    )
    held_on = forms.DateField(
        label="提议日期",
        widget=forms.DateInput(attrs=DATE, format="%Y-%m-%d"),
        error_messages={"required": "请填写提议日期", "invalid": "日期格式不正确"},
    )
    minutes = forms.CharField(
        label="提议情况(征求意见、初步方案)", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, villages=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["village"].choices = [("", "请选择")] + [(v.pk, v.name) for v in villages]


class StepForm(PartyForm):
    kind = forms.CharField(widget=forms.HiddenInput)
    expected_steps = forms.IntegerField(widget=forms.HiddenInput)
    held_on = forms.DateField(
        label="日期",
        widget=forms.DateInput(attrs=DATE, format="%Y-%m-%d"),
        error_messages={"required": "请填写日期", "invalid": "日期格式不正确"},
    )
    body = forms.CharField(label="会议/主体", max_length=100, required=False)
    villagers_body = forms.ChoiceField(
        label="决议机构", choices=[("", "请选择")] + VillagersBody.choices, required=False
    )
    expected = forms.IntegerField(
        label="应到(有名册的按名册,可不填;村民会议:18周岁以上村民数)", min_value=0, required=False
    )
    expected_note = forms.CharField(
        label="应到说明(与名册人数不一致时必填,如名册不全)", max_length=200, required=False
    )
    present = forms.IntegerField(label="实到", min_value=0, required=False)
    households = forms.IntegerField(label="户数(村民会议按户计时)", min_value=0, required=False)
    households_present = forms.IntegerField(label="到会户代表", min_value=0, required=False)
    yes = forms.IntegerField(label="赞成", min_value=0, required=False)
    no = forms.IntegerField(label="反对", min_value=0, required=False)
    abstain = forms.IntegerField(label="弃权", min_value=0, required=False)
    minutes = forms.CharField(
        label="会议记录/公开内容", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    decided = forms.CharField(
        label="决定事项(表决通过时填写;未通过的表决不形成决定)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    channel = forms.CharField(
        label="公开方式", max_length=100, required=False, initial="村务公开栏、村微信群"
    )
    disclose_to = forms.DateField(
        label="公开结束日期", widget=forms.DateInput(attrs=DATE, format="%Y-%m-%d"), required=False
    )
    result = forms.CharField(label="实施结果(公开)", required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def attach(self, error) -> None:
        hidden = ("kind", "expected_steps")
        field = error.field if error.field in self.fields and error.field not in hidden else None
        self.add_error(field, error.message)


class CorrectStepForm(StepForm):
    """更正 a step: the step's fields (which ones apply depends on the step) and a reason."""

    reason = forms.CharField(label="更正原因", max_length=200, error_messages={"required": "请填写更正原因"})

    def __init__(self, *args, step=None, latest=True, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["kind"], self.fields["expected_steps"]
        meeting = step.kind in MEETING_STEPS
        keep = {"body", "minutes", "reason"}
        if latest and step.kind != "proposal":
            keep |= {"held_on"}
            if meeting:
                keep |= {"expected", "expected_note", "present", "yes", "no", "abstain", "decided"}
                if step.kind == "villagers_resolution":
                    keep |= {"villagers_body", "households", "households_present"}
            else:
                keep |= {"channel", "disclose_to"}
                if step.kind == "result_disclosure":
                    keep |= {"result"}
        for name in list(self.fields):
            if name not in keep:
                del self.fields[name]


class PhotoForm(PartyForm):
    stage = forms.ChoiceField(
        label="照片类别", choices=PhotoStage.choices, error_messages={"required": "请选择照片类别"}
    )
    photos = UploadsField(label="照片(JPEG、PNG,最多9张;上传时去除拍摄位置等信息)", accept="image/*")
    caption = forms.CharField(
        label="说明(将公开,请勿填写姓名、电话等个人信息)", max_length=100, required=False
    )

    def attach(self, error) -> None:
        self.add_error(error.field if error.field in self.fields else None, error.message)


class TaskLinkForm(PartyForm):
    task = forms.TypedChoiceField(label="选择已有督办任务", coerce=int, required=False, empty_value=None)
    plan = forms.TypedChoiceField(label="或在计划中新建任务", coerce=int, required=False, empty_value=None)
    title = forms.CharField(label="新任务名称", max_length=300, required=False)
    deadline = forms.DateField(
        label="新任务完成时限",
        required=False,
        widget=forms.DateInput(attrs=DATE, format="%Y-%m-%d"),
        error_messages={"invalid": "完成时限格式不正确"},
    )

    def __init__(self, *args, tasks=(), plans=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["task"].choices = [("", "请选择")] + [(t.pk, f"{t.number} {t.title}"[:80]) for t in tasks]
        self.fields["plan"].choices = [("", "请选择")] + [(p.pk, p.title[:80]) for p in plans]

    def attach(self, error) -> None:
        self.add_error(error.field if error.field in self.fields else None, error.message)
