"""Forms of transfers, floating members, dues and care visits. They parse input only; the rules
and their Chinese messages live in ``party.membership.services`` (``ServiceError.field`` names the field)."""

from __future__ import annotations

from django import forms

from party.forms import PartyForm, date_field, text_field
from party.membership.models import (
    CareReason,
    CommendationCategory,
    DuesKind,
    ReductionReason,
    StatusKind,
    TransferKind,
)

DATE = {"type": "date"}
MONTH = {"type": "month"}


def _month(label):
    return forms.CharField(
        label=label,
        max_length=7,
        widget=forms.TextInput(attrs=MONTH),
        error_messages={"required": f"请填写{label}"},
    )


class TransferForm(PartyForm):
    member = forms.ModelChoiceField(
        label="党员", queryset=None, empty_label="请选择", error_messages={"required": "请选择党员"}
    )
    kind = forms.ChoiceField(
        label="转接类型",
        choices=TransferKind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "请选择转接类型"},
    )
    to_org = forms.ModelChoiceField(
        label="接收党支部(区内)", queryset=None, required=False, empty_label="请选择"
    )
    to_org_name = text_field("接收党组织名称(区外)", max_length=150)
    reason = text_field("转接原因", required=True)
    sent_on = date_field("开具介绍信日期")

    def __init__(self, *args, members, branches, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member"].queryset = members
        self.fields["member"].label_from_instance = lambda m: m.person.name
        self.fields["to_org"].queryset = branches


class CancelForm(PartyForm):
    reason = text_field("撤销原因", required=True)


class FloatingForm(PartyForm):
    member = forms.ModelChoiceField(
        label="党员", queryset=None, empty_label="请选择", error_messages={"required": "请选择党员"}
    )
    place = text_field("外出地点", required=True, max_length=150)
    since = date_field("外出日期")
    contact = text_field("联系方式/流入地联系人", max_length=100)

    def __init__(self, *args, members, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member"].queryset = members
        self.fields["member"].label_from_instance = lambda m: m.person.name


class DuesBaseForm(PartyForm):
    member = forms.ModelChoiceField(
        label="党员", queryset=None, empty_label="请选择", error_messages={"required": "请选择党员"}
    )
    kind = forms.ChoiceField(
        label="缴纳类别",
        choices=[("", "请选择")] + DuesKind.choices,
        error_messages={"required": "请选择缴纳类别"},
    )
    income = forms.CharField(
        label="税后月收入(元,在职/离退休填写)",
        required=False,
        max_length=12,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )
    farmer_amount = forms.CharField(label="农民党员每月党费(元)", required=False, max_length=8)
    effective_month = _month("起缴月份")

    def __init__(self, *args, members, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member"].queryset = members
        self.fields["member"].label_from_instance = lambda m: m.person.name


class MemberPaymentForm(PartyForm):
    """One member's dues for one or several months (补缴, 按季度交纳)."""

    first_month = _month("起始月份")
    last_month = _month("截止月份")
    paid_on = date_field("缴纳日期")
    quarterly_consent = forms.BooleanField(label="经支部同意按季度交纳(含预缴以后月份)", required=False)
    over_limit = forms.BooleanField(label="经支部同意补缴超过6个月", required=False)
    over_limit_reason = text_field("超期补缴理由(经支部同意补缴超过6个月时填写)")
    proxy_name = text_field("代交人姓名(委托他人代交时填写)", max_length=20)
    proxy_relation = text_field("代交人与党员关系(如配偶、子女、同支部党员)", max_length=20)

    def __init__(self, *args, limit=6, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["over_limit"].label = f"经支部同意补缴超过{limit}个月"
        self.fields["over_limit_reason"].label = f"超期补缴理由(经支部同意补缴超过{limit}个月时填写)"


class ReductionForm(PartyForm):
    """A member's application to pay less or nothing (党费减免), with the branch's study."""

    first_month = _month("减免起始月份")
    last_month = _month("减免截止月份")
    monthly_amount = forms.CharField(
        label="减免后每月交纳(元,免交填 0)",
        max_length=10,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
        error_messages={"required": "请填写减免后每月交纳金额"},
    )
    reason = forms.ChoiceField(
        label="申请原因",
        choices=[("", "请选择")] + ReductionReason.choices,
        error_messages={"required": "请选择申请原因"},
    )
    detail = text_field("困难情况说明", required=True, max_length=500, rows=3)
    applied_on = date_field("党员申请日期")
    studied_on = date_field("支部研究日期(支委会或支部党员大会)")
    branch_opinion = text_field("支部研究意见", required=True)


class CareForm(PartyForm):
    member = forms.ModelChoiceField(
        label="慰问对象", queryset=None, empty_label="请选择", error_messages={"required": "请选择慰问对象"}
    )
    reason = forms.ChoiceField(
        label="慰问原因",
        choices=[("", "请选择")] + CareReason.choices,
        error_messages={"required": "请选择慰问原因"},
    )
    visited_on = date_field("走访日期")
    visitors = text_field("走访人员", required=True, max_length=150)
    given = text_field("慰问品/慰问金")
    amount = forms.CharField(label="慰问金额(元)", required=False, max_length=12)
    notes = text_field("走访情况", max_length=2000, rows=3)
    follow_up = text_field("后续帮扶事项")

    def __init__(self, *args, members, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member"].queryset = members
        self.fields["member"].label_from_instance = lambda m: m.person.name


class FollowUpForm(PartyForm):
    done_on = date_field("帮扶完成日期")
    note = text_field("帮扶完成情况", required=True)


class NominationForm(PartyForm):
    category = forms.ChoiceField(
        label="表彰类别",
        choices=[("", "请选择")] + CommendationCategory.choices,
        error_messages={"required": "请选择表彰类别"},
    )
    year = forms.IntegerField(
        label="年度", error_messages={"required": "请填写年度", "invalid": "年度须为数字"}
    )
    member = forms.ModelChoiceField(
        label="推荐党员(优秀共产党员/优秀党务工作者)", queryset=None, required=False
    )
    nominee_org = forms.ModelChoiceField(label="推荐党组织(先进基层党组织)", queryset=None, required=False)
    deeds = text_field("主要事迹", required=True, max_length=5000, rows=5)

    def __init__(self, *args, members, orgs, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member"].queryset = members
        self.fields["member"].label_from_instance = lambda m: m.person.name
        self.fields["nominee_org"].queryset = orgs


class StatusPeriodForm(PartyForm):
    """党员状态(请假/行动不便/长期外出/流动党员), decided by the branch (``membership.status``)."""

    member = forms.ModelChoiceField(
        label="党员", queryset=None, empty_label="请选择", error_messages={"required": "请选择党员"}
    )
    kind = forms.ChoiceField(
        label="党员状态",
        choices=[("", "请选择")] + StatusKind.choices,
        error_messages={"required": "请选择党员状态"},
    )
    reason = text_field("正当理由", required=True, max_length=200, rows=2)
    start_on = date_field("起始日期")
    end_on = date_field("截止日期(长期的不填)", required=False)
    review_on = date_field("复核日期(不填截止日期的必填)", required=False)
    decision_note = text_field("支部研究意见(何时经支委会/支部大会研究)", required=True, max_length=200)

    def __init__(self, *args, members, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member"].queryset = members
        self.fields["member"].label_from_instance = lambda m: m.person.name
