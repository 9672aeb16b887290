"""Forms of the structure pages (联合党支部, 品牌支部, 党建联盟)."""

from __future__ import annotations

from django import forms

from party.forms import PartyForm, date_field, text_field
from party.structure.models import AlliancePartner


class JointUnitForm(PartyForm):
    unit = forms.ModelChoiceField(
        label="成员单位", queryset=None, empty_label="请选择", error_messages={"required": "请选择成员单位"}
    )
    joined_on = date_field("纳入日期")
    note = text_field("说明")

    def __init__(self, *args, units=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units


class BrandForm(PartyForm):
    title = text_field("品牌名称/称号", required=True, max_length=60)
    citation = text_field("命名理由(事迹)", required=True, max_length=2000, rows=4)
    designated_on = date_field("命名日期")


class AllianceForm(PartyForm):
    alliance = text_field("联盟名称", required=True, max_length=60)
    partner = forms.ModelChoiceField(
        label="联盟成员", queryset=None, empty_label="请选择", error_messages={"required": "请选择联盟成员"}
    )
    partner_kind = forms.ChoiceField(
        label="成员类型", choices=AlliancePartner.choices, error_messages={"required": "请选择成员类型"}
    )
    joined_on = date_field("加入日期")
    note = text_field("共建事项")

    def __init__(self, *args, partners=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["partner"].queryset = partners
