"""Forms of the case pages. They only parse input (types, choices); the business rules and their
Chinese messages live in ``cases.services``, whose ``ServiceError.field`` names these fields."""

from __future__ import annotations

from typing import NamedTuple

from django import forms

from core.forms import FastSelect, FastSelectMultiple, MultipleFilesField, StyledForm
from orgs.models import Org, OrgKind
from orgs.scoping import subtree_q

from . import selectors, services
from .models import CaseStatus, Category, Channel, ReturnReason, Satisfaction, Urgency

YES_NO = (("1", "是"), ("0", "否"))


def _yes(value) -> bool:
    return value in ("1", 1, True, "True", "true", "on")


class PhotosField(MultipleFilesField):
    """Several photos in one input. Content, size and count are checked by the service."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("accept", "image/*")
        super().__init__(*args, **kwargs)


class YesNoField(forms.TypedChoiceField):
    def __init__(self, *args, message: str = "请选择", **kwargs):
        kwargs.setdefault("choices", YES_NO)
        kwargs.setdefault("coerce", _yes)
        kwargs.setdefault("widget", forms.RadioSelect)
        kwargs.setdefault("error_messages", {"required": message})
        super().__init__(*args, **kwargs)


class CaseForm(StyledForm):
    """The case pages' forms (``large`` for the phone-first public pages)."""


# ---------------------------------------------------------------------------------------------
# Choices


def category_choices(*, public: bool = False, with_codes: bool = True) -> list:
    """Leaf categories grouped by 大类 (optgroups)."""
    leaves = (
        Category.objects.filter(active=True, parent__isnull=False, parent__active=True)
        .select_related("parent")
        .order_by("parent__sort", "parent__code", "sort", "code")
    )
    if public:
        leaves = leaves.filter(accepts_public=True)
    groups: dict[str, list] = {}
    for category in leaves:
        label = f"{category.code} {category.name}" if with_codes else category.name
        groups.setdefault(category.parent.name, []).append((category.pk, label))
    return list(groups.items())


def leaf_categories(*, public: bool = False):
    leaves = Category.objects.filter(active=True, parent__isnull=False, parent__active=True)
    return leaves.filter(accepts_public=True) if public else leaves


UNIT_GROUPS = [
    ((OrgKind.DEPARTMENT,), "区直部门"),
    ((OrgKind.OFFICE,), "科室/中心"),
    ((OrgKind.STREET, OrgKind.TOWN), "街道/乡镇"),
    ((OrgKind.COMMUNITY, OrgKind.VILLAGE), "社区/村"),
    ((OrgKind.GRID,), "网格"),
]


def handling_units(case):
    """Every active unit that can handle cases in the case's district (departments included, even
    outside the dispatcher's own scope)."""
    root = case.org_path[: Org.steplen]
    # No boundaries: decoding a thousand grids' GeoJSON cost more than the rest of the page.
    return (
        Org.objects.filter(
            subtree_q("path", root), kind__in=services.HANDLING_KINDS, archived_at__isnull=True
        )
        .only("pk", "name", "kind", "path")
        .order_by("path")
    )


class UnitRow(NamedTuple):
    """A unit as a picker lists it (read with ``values_list``: no model instances)."""

    pk: int
    name: str
    kind: str


def unit_rows(units) -> list[UnitRow]:
    return [UnitRow(*row) for row in units.values_list("pk", "name", "kind")]


def unit_choices(units, suggested) -> list:
    """Recommended units first, then the rest grouped by kind (departments first)."""
    suggested_ids = {unit.pk for unit in suggested}
    choices = []
    if suggested:
        choices.append(("推荐(责任清单)", [(unit.pk, f"★ {unit.name}") for unit in suggested]))
    units = [unit for unit in units if unit.pk not in suggested_ids]
    for kinds, label in UNIT_GROUPS:
        options = [(unit.pk, unit.name) for unit in units if unit.kind in kinds]
        if options:
            choices.append((label, options))
    return choices


# ---------------------------------------------------------------------------------------------
# Workbench filters


class FilterForm(CaseForm):
    status = forms.ChoiceField(label="状态", required=False, choices=[("", "全部状态"), *CaseStatus.choices])
    overdue = forms.BooleanField(label="仅看已逾期", required=False)
    mine = forms.ChoiceField(
        required=False,
        choices=[("", ""), ("pending", "待签收"), ("signed", "处置中"), ("overdue", "处置逾期")],
        widget=forms.HiddenInput,
    )
    requests = forms.BooleanField(required=False, widget=forms.HiddenInput)
    district = forms.BooleanField(required=False, widget=forms.HiddenInput)
    q = forms.CharField(label="搜索", required=False, max_length=100)
    category = forms.TypedChoiceField(
        label="分类", required=False, coerce=int, empty_value=None, widget=FastSelect
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["q"].widget.attrs.update(
            {"placeholder": "编号、标题、地址或12345工单号", "type": "search", "autocomplete": "off"}
        )
        choices = [("", "全部分类")]
        majors = Category.objects.filter(parent__isnull=True, active=True).prefetch_related("children")
        for major in majors:
            choices.append((major.pk, f"{major.name}(全部)"))
            choices += [(c.pk, f"  {c.code} {c.name}") for c in major.children.all() if c.active]
        self.fields["category"].choices = choices

    def case_filters(self) -> selectors.CaseFilters:
        """The filters of the case list, its export and anything else that must show the same
        cases (invalid values are dropped, as the list drops them)."""
        self.is_valid()
        data = self.cleaned_data if self.is_bound else {}
        return selectors.CaseFilters(
            status=data.get("status") or "",
            overdue=bool(data.get("overdue")),
            mine=data.get("mine") or "",
            q=data.get("q") or "",
            category_id=data.get("category"),
            requests=bool(data.get("requests")),
            district=bool(data.get("district")),
        )


# ---------------------------------------------------------------------------------------------
# Case actions (each posts ``expected_status``: the status the page showed)


class StatusForm(CaseForm):
    expected_status = forms.CharField(required=False, widget=forms.HiddenInput)


class RegisterForm(StatusForm):
    category = forms.ModelChoiceField(
        label="分类",
        queryset=Category.objects.none(),
        error_messages={"required": "请选择分类"},
        widget=FastSelect,
    )
    urgency = forms.ChoiceField(label="紧急程度", choices=Urgency.choices)
    title = forms.CharField(label="标题", required=False, max_length=100)
    note = forms.CharField(
        label="受理意见", required=False, max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = leaf_categories()
        self.fields["category"].choices = [("", "请选择分类"), *category_choices()]


class VerificationRequestForm(StatusForm):
    note = forms.CharField(
        label="核实要求", required=False, max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )


class RejectForm(StatusForm):
    reason = forms.CharField(
        label="不予立案理由", required=False, max_length=200, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].widget.attrs.update(
            {"required": True, "placeholder": "反映人可在查询页看到此理由"}
        )


class VerificationForm(StatusForm):
    confirmed = YesNoField(label="情况是否属实", message="请选择核实结果")
    note = forms.CharField(
        label="核实情况", required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class UnitsForm(StatusForm):
    lead_unit = forms.ModelChoiceField(
        label="主办单位", queryset=Org.objects.none(), required=False, widget=FastSelect
    )
    co_units = forms.ModelMultipleChoiceField(
        label="协办单位", queryset=Org.objects.none(), required=False, widget=FastSelectMultiple
    )

    def __init__(self, *args, case=None, suggested=(), **kwargs):
        super().__init__(*args, **kwargs)
        units = handling_units(case)
        choices = unit_choices(unit_rows(units), list(suggested))
        for name in ("lead_unit", "co_units"):
            self.fields[name].queryset = units
        self.fields["lead_unit"].choices = [("", "请选择主办单位"), *choices]
        self.fields["co_units"].choices = choices
        self.fields["co_units"].widget.attrs["size"] = 6
        self.fields["co_units"].help_text = "可多选(按住 Ctrl 或 ⌘ 点选);不需要协办可不选"


class DispatchForm(UnitsForm):
    instructions = forms.CharField(
        label="派遣意见", required=False, max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )


class AdjudicateForm(UnitsForm):
    upheld = YesNoField(label="退单是否成立", message="请选择裁定结果")
    note = forms.CharField(
        label="裁定意见", required=False, max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lead_unit"].label = "改派主办单位(退单成立时)"
        self.fields["co_units"].label = "改派协办单位(退单成立时)"


class ReturnForm(CaseForm):
    reason = forms.ChoiceField(
        label="退单理由", required=False, choices=[("", "请选择退单理由"), *ReturnReason.choices]
    )
    note = forms.CharField(
        label="退单说明", required=False, max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )


class FeedbackForm(CaseForm):
    text = forms.CharField(
        label="处置情况", required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
    photos = PhotosField(label="处置照片(最多 9 张)")


class CheckForm(StatusForm):
    passed = YesNoField(
        label="核查结果", choices=(("1", "通过,结案"), ("0", "不通过,返工")), message="请选择核查结果"
    )
    note = forms.CharField(
        label="核查意见", required=False, max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )
    photos = PhotosField(label="核查照片(可选)")


class CallbackForm(CaseForm):
    """回访: did the call get through; if so, the reporter's answers (they become the rating)."""

    reached = forms.TypedChoiceField(
        label="本次是否联系上反映人",
        required=False,
        choices=(("1", "已联系上"), ("0", "未接通/无法联系")),
        coerce=_yes,
        empty_value=None,
        widget=forms.RadioSelect,
    )
    contacted = forms.TypedChoiceField(
        label="承办单位是否与反映人联系过",
        required=False,
        choices=YES_NO,
        coerce=_yes,
        empty_value=None,
        widget=forms.RadioSelect,
    )
    resolved = forms.TypedChoiceField(
        label="问题是否解决",
        required=False,
        choices=YES_NO,
        coerce=_yes,
        empty_value=None,
        widget=forms.RadioSelect,
    )
    satisfaction = forms.ChoiceField(
        label="满意度", required=False, choices=Satisfaction.choices, widget=forms.RadioSelect
    )
    comment = forms.CharField(
        label="回访记录", required=False, max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )
    field_aliases = {"unit_contacted": "contacted", "note": "comment"}


# Requests and their approval (延期, 挂账, 重办, 不合理诉求认定)


def _reason(label: str, placeholder: str = "", rows: int = 2) -> forms.CharField:
    field = forms.CharField(
        label=label, required=False, max_length=500, widget=forms.Textarea(attrs={"rows": rows})
    )
    if placeholder:
        field.widget.attrs["placeholder"] = placeholder
    return field


class ExtensionForm(CaseForm):
    days = forms.IntegerField(
        label="延期工作日数",
        required=False,
        min_value=1,
        max_value=30,
        error_messages={
            "min_value": "延期天数至少1个工作日",
            "max_value": "延期天数不能超过30个工作日;需长期办理的请申请挂账",
            "invalid": "请填写整数",
        },
    )
    reason = _reason("延期理由", "说明为什么不能按期办结")


class ParkingForm(CaseForm):
    until = forms.DateField(
        label="计划办结日期",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": "日期格式不正确"},
    )
    reason = _reason("挂账理由", "需要资金、规划或工程等长期解决的原因及阶段安排")


class RehandleForm(StatusForm):
    reason = _reason("重办理由", "回访中反映人说明的未解决情况")


class ExclusionForm(StatusForm):
    reason = _reason("认定理由", "诉求不合理的事实和依据(法律政策不支持、超出职责等)")


class DecisionForm(CaseForm):
    approve = YesNoField(label="审批意见", choices=(("1", "同意"), ("0", "不同意")), message="请选择是否同意")
    note = _reason("说明", "不同意时必须填写理由")


# 吹哨报到, merge, public visibility


class SummonForm(StatusForm):
    field_aliases = {"lead_unit": "units", "co_units": "units"}  # unit checks shared with dispatch

    units = forms.ModelMultipleChoiceField(label="召集部门", queryset=Org.objects.none(), required=False)
    note = _reason("吹哨事由", "需要各部门报到协同解决的问题")

    def __init__(self, *args, case=None, **kwargs):
        super().__init__(*args, **kwargs)
        departments = handling_units(case).filter(kind__in=(OrgKind.DEPARTMENT, OrgKind.OFFICE))
        self.fields["units"].queryset = departments
        self.fields["units"].choices = [(unit.pk, unit.name) for unit in departments]
        self.fields["units"].widget.attrs["size"] = 6
        self.fields["units"].help_text = "可多选;各部门须在报到时限内报到"


class ReportInForm(CaseForm):
    note = _reason("报到情况", "到场人员、掌握的情况和本部门将要做的工作")


class MergeForm(StatusForm):
    into = forms.CharField(label="主事项编号", required=False, max_length=24)
    reason = _reason("合并理由", "与主事项为同一地点的同一问题")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["into"].widget.attrs["placeholder"] = "例如 YL20261129-0001"


class PublicForm(CaseForm):
    public = YesNoField(label="是否公开办理过程", choices=(("1", "公开"), ("0", "不公开")), message="请选择")
    reason = _reason("理由")


class RevealForm(CaseForm):
    reason = forms.CharField(label="查看用途", required=False, max_length=200)


# ---------------------------------------------------------------------------------------------
# The dispatcher's desk: bulk actions and the hotline's caller lookup


class BulkForm(CaseForm):
    action = forms.ChoiceField(
        label="批量操作",
        required=False,
        choices=[("", "批量操作…"), ("register", "立案"), ("dispatch", "派遣"), ("remind", "催办")],
    )
    numbers = forms.MultipleChoiceField(required=False)
    category = forms.ModelChoiceField(
        label="分类(未预选分类时)", required=False, queryset=Category.objects.none(), widget=FastSelect
    )
    lead_unit = forms.ModelChoiceField(
        label="主办单位(留空按责任清单)", required=False, queryset=Org.objects.none(), widget=FastSelect
    )
    note = forms.CharField(label="意见", required=False, max_length=500)

    def __init__(self, *args, options: str = "", **kwargs):
        """``options``: the action whose option list is shown (the list page loads it only when
        the dispatcher picks that action: building both lists cost ~90 ms per list page)."""
        super().__init__(*args, **kwargs)
        self.fields["numbers"].choices = (
            [(n, n) for n in self.data.getlist("numbers")] if self.is_bound else []
        )
        self.fields["category"].queryset = leaf_categories()
        # Grids are left out (a grid is dispatched to from the case page).
        kinds = services.HANDLING_KINDS - {OrgKind.GRID}
        units = (
            Org.objects.filter(kind__in=kinds, archived_at__isnull=True)
            .only("pk", "name", "kind", "path")
            .order_by("path")
        )
        self.fields["lead_unit"].queryset = units
        if options == "register":
            self.fields["category"].choices = [("", "按事项预选分类"), *category_choices()]
        elif options == "dispatch":
            self.fields["lead_unit"].choices = [("", "按责任清单推荐"), *unit_choices(unit_rows(units), [])]


class LookupForm(CaseForm):
    phone = forms.CharField(label="来电号码", max_length=20, error_messages={"required": "请输入来电号码"})
    purpose = forms.CharField(label="查询用途", required=False, max_length=200, initial="热线来电受理")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["phone"].widget.attrs.update({"type": "tel", "inputmode": "tel", "autocomplete": "off"})


# ---------------------------------------------------------------------------------------------
# Intake


def _area_label(org: Org) -> str:
    return f"  └ {org.name}" if org.kind == OrgKind.GRID else org.name


class EntryForm(CaseForm):
    """Hotline (12345) and patrol entry by staff; ``mode=on_spot`` is 即报即办."""

    field_aliases = {"location": "area", "grid": "area"}

    mode = forms.ChoiceField(
        label="录入方式",
        required=False,
        choices=[("report", "上报事项(进入受理流程)"), ("on_spot", "即报即办(现场已处置)")],
        widget=forms.RadioSelect,
        initial="report",
    )
    channel = forms.ChoiceField(label="来源", required=False, widget=forms.RadioSelect)
    description = forms.CharField(label="问题描述", required=False, widget=forms.Textarea(attrs={"rows": 4}))
    title = forms.CharField(label="标题", required=False, max_length=100)
    category = forms.ModelChoiceField(label="分类", required=False, queryset=Category.objects.none())
    urgency = forms.ChoiceField(label="紧急程度", choices=Urgency.choices, initial=Urgency.ORDINARY)
    area = forms.ModelChoiceField(label="所在社区/网格", required=False, queryset=Org.objects.none())
    longitude = forms.CharField(required=False, widget=forms.HiddenInput)
    latitude = forms.CharField(required=False, widget=forms.HiddenInput)
    address = forms.CharField(label="地址", required=False, max_length=200)
    reporter_name = forms.CharField(label="来电人姓名", required=False, max_length=50)
    reporter_phone = forms.CharField(label="来电号码", required=False, max_length=20)
    ticket_number = forms.CharField(
        label="12345工单号", required=False, max_length=40, help_text="市12345平台转来的工单填写工单编号"
    )
    photos = PhotosField(label="现场照片(最多 9 张)")
    before_photos = PhotosField(label="处置前照片")
    after_photos = PhotosField(label="处置后照片")
    note = forms.CharField(label="处置说明", required=False, max_length=500)

    def __init__(self, *args, user=None, channels=(), on_spot=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["description"].widget.attrs.update(
            {"required": True, "placeholder": "发生了什么、在哪里、影响多大"}
        )
        self.fields["category"].queryset = leaf_categories()
        self.fields["category"].choices = [("", "暂不分类(由调度中心立案时确定)"), *category_choices()]
        areas = Org.objects.visible_to(user, "report").filter(
            kind__in=(OrgKind.COMMUNITY, OrgKind.VILLAGE, OrgKind.GRID), archived_at__isnull=True
        )
        self.fields["area"].queryset = areas
        self.fields["area"].choices = [("", "请选择所在社区/网格")] + [
            (org.pk, _area_label(org)) for org in areas.order_by("path")
        ]
        self.fields["channel"].choices = [(c, Channel(c).label) for c in channels]
        self.fields["channel"].initial = channels[0] if channels else Channel.PATROL
        if not on_spot:
            for name in ("mode", "before_photos", "after_photos", "note"):
                del self.fields[name]
        for name in ("before_photos", "after_photos"):
            if name in self.fields:
                self.fields[name].widget.attrs["capture"] = "environment"

    @property
    def chosen_channel(self) -> str:
        return self.cleaned_data.get("channel") or self.fields["channel"].initial

    @property
    def on_spot(self) -> bool:
        return self.cleaned_data.get("mode") == "on_spot"


class PublicReportForm(CaseForm):
    """The resident's report form (portal)."""

    large = True
    field_aliases = {"location": "area"}

    description = forms.CharField(
        label="问题描述", required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 4})
    )
    title = forms.CharField(label="标题(可不填)", required=False, max_length=100)
    category = forms.ModelChoiceField(
        label="问题类型(可不选)", required=False, queryset=Category.objects.none()
    )
    area = forms.ModelChoiceField(label="所在社区/村", required=False, queryset=Org.objects.none())
    longitude = forms.CharField(required=False, widget=forms.HiddenInput)
    latitude = forms.CharField(required=False, widget=forms.HiddenInput)
    address = forms.CharField(label="详细地址", required=False, max_length=200)
    photos = PhotosField(label="照片(可选,最多 9 张,每张不超过 10 MB)")
    reporter_name = forms.CharField(label="您的称呼(可不填)", required=False, max_length=50)
    reporter_phone = forms.CharField(label="联系电话", required=False, max_length=20)
    anonymous = forms.BooleanField(label="匿名反映(不留姓名和电话,将无法电话回访)", required=False)
    notify_reporter = forms.BooleanField(
        label="接收办理进度通知",
        required=False,
        initial=True,
        help_text="受理、派遣、答复、办结时通过短信或站内消息告诉您;可随时退订",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["description"].widget.attrs.update(
            {"required": True, "placeholder": "请描述问题:发生了什么、具体位置、持续多久"}
        )
        self.fields["address"].widget.attrs["placeholder"] = "如:桃花岭路 12 号小区东门"
        self.fields["reporter_phone"].widget.attrs.update(
            {"type": "tel", "inputmode": "tel", "autocomplete": "tel"}
        )
        self.fields["reporter_name"].widget.attrs["autocomplete"] = "name"
        self.fields["category"].queryset = leaf_categories(public=True)
        self.fields["category"].choices = [("", "不确定"), *category_choices(public=True, with_codes=False)]
        communities = Org.objects.filter(
            kind__in=(OrgKind.COMMUNITY, OrgKind.VILLAGE), archived_at__isnull=True
        ).order_by("path")
        self.fields["area"].queryset = communities
        self.fields["area"].choices = [("", "请选择所在社区/村"), *community_choices(communities)]


def community_choices(communities) -> list:
    """Communities/villages grouped by their street/town (optgroups)."""
    communities = list(communities)
    parents = {
        org.path: org.name
        for org in Org.objects.filter(
            path__in={c.path[: -Org.steplen] for c in communities}, kind__in=(OrgKind.STREET, OrgKind.TOWN)
        )
    }
    groups: dict[str, list] = {}
    for org in communities:
        groups.setdefault(parents.get(org.path[: -Org.steplen], "其他"), []).append((org.pk, org.name))
    return list(groups.items())


class PublicRatingForm(CaseForm):
    large = True

    resolved = YesNoField(label="问题解决了吗", message="请选择问题是否解决")
    satisfaction = forms.ChoiceField(
        label="您对处理结果满意吗", required=False, choices=Satisfaction.choices, widget=forms.RadioSelect
    )
    comment = forms.CharField(
        label="意见建议(可不填)", required=False, max_length=500, widget=forms.Textarea(attrs={"rows": 3})
    )


class TrackForm(CaseForm):
    large = True

    number = forms.CharField(label="事项编号", max_length=24, error_messages={"required": "请输入事项编号"})
    t = forms.CharField(label="查询码", max_length=32, error_messages={"required": "请输入查询码"})

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["number"].widget.attrs.update(
            {"placeholder": "如 YL20260301-0001", "autocomplete": "off"}
        )
        self.fields["t"].widget.attrs.update({"placeholder": "提交时显示的查询码", "autocomplete": "off"})


# 督查室: 催办 and 督办通知单 on a case


class UrgeForm(CaseForm):
    reason = _reason("催办事由", "如:群众多次反映,请立即安排人员到场处置")
    act_by = forms.DateField(
        label="限期办结(可选)",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": "日期格式不正确"},
    )


class CaseNoticeForm(CaseForm):
    text = forms.CharField(
        label="督办内容",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": "逾期情况、督办要求和整改时限"}),
    )
    reply_days = forms.IntegerField(
        label="回复期限(工作日)",
        required=False,
        initial=1,
        min_value=1,
        max_value=10,
        error_messages={
            "min_value": "回复期限至少1个工作日",
            "max_value": "回复期限不能超过10个工作日",
            "invalid": "请填写整数",
        },
    )
