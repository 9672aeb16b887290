"""Forms of 述职评议考核: parse only; the rules and their messages are in the services."""

from __future__ import annotations

from django import forms

from party.forms import PartyForm, date_field, text_field


class RoundForm(PartyForm):
    org = forms.TypedChoiceField(
        label="组织单位(上级党委)", coerce=int, error_messages={"required": "请选择组织单位"}
    )
    year = forms.IntegerField(
        label="考核年度", error_messages={"required": "请填写考核年度", "invalid": "年度不正确"}
    )
    title = text_field("名称(可不填,自动生成)", max_length=100)
    report_due = date_field("述职报告提交截止日期")
    meeting_on = date_field("述职评议会日期", required=False)

    def __init__(self, *args, orgs=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["org"].choices = [(o.pk, o.name) for o in orgs]


class ReporterForm(PartyForm):
    org = forms.TypedChoiceField(
        label="述职党组织", coerce=int, error_messages={"required": "请选择述职党组织"}
    )
    secretary_name = text_field("述职人(书记)姓名(不填则取现任书记)", max_length=50)

    def __init__(self, *args, orgs=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["org"].choices = [("", "请选择")] + [(o.pk, o.name) for o in orgs]


class RaterForm(PartyForm):
    username = forms.CharField(
        label="评议人账号", max_length=150, error_messages={"required": "请填写评议人账号"}
    )
    capacity = forms.ChoiceField(
        label="身份",
        choices=[(c, c) for c in ("上级党委委员", "组织部门干部", "党代表", "党员群众代表")],
    )


class ReportForm(PartyForm):
    summary = text_field("述职报告摘要", required=True, max_length=3000, rows=8)
    report_file = forms.FileField(
        label="述职报告文件(PDF、Word)",
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.doc,.docx"}),
    )
    reported_on = date_field("述职时间(述职评议会上述职的日期,可稍后填写)", required=False)


class SheetForm(PartyForm):
    """One field per item of the round (``score_<code>``) and the comment."""

    comment = text_field("评议意见", max_length=1000, rows=3)

    def __init__(self, *args, items=(), **kwargs):
        super().__init__(*args, **kwargs)
        comment = self.fields.pop("comment")
        for item in items:
            self.fields[f"score_{item['code']}"] = forms.DecimalField(
                label=f"{item['label']}(权重 {item['weight']}%)",
                min_value=0,
                max_value=100,
                decimal_places=1,
                widget=forms.NumberInput(
                    attrs={"step": "0.5", "inputmode": "decimal", "class": "form-control form-control-lg"}
                ),
                error_messages={
                    "required": f"请为“{item['label']}”打分",
                    "invalid": "请填写0—100之间的分数",
                    "min_value": "分数不能小于0",
                    "max_value": "分数不能大于100",
                    "max_decimal_places": "分数最多保留一位小数",
                },
            )
        self.fields["comment"] = comment
        self.items = list(items)

    def scores(self) -> dict:
        return {i["code"]: self.cleaned_data[f"score_{i['code']}"] for i in self.items}


class ProblemForm(PartyForm):
    reporter = forms.TypedChoiceField(label="党组织", coerce=int, error_messages={"required": "请选择党组织"})
    text = text_field("问题", required=True, max_length=500, rows=2)

    def __init__(self, *args, reporters=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reporter"].choices = [("", "请选择")] + [(r.pk, r.org.name) for r in reporters]
