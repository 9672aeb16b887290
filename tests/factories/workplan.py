"""Factories of 督查督办 (work plans): supervision rules, plans of a district office, key tasks led by
a department of the same district, and what hangs off a task.

Tests that exercise the workflow should still go through ``workplan.services`` (``create_plan``,
``create_task`` …); these factories are for rows a test needs as plain data."""

import datetime as dt

import factory

from orgs.models import Org
from workplan.models import (
    Accountability,
    CoInput,
    DocCounter,
    Evidence,
    Milestone,
    Notice,
    Plan,
    ProgressReport,
    SupervisionRule,
    Task,
    TaskLink,
    TaskUnit,
)

from .orgs import DepartmentFactory

ORG_PATH = factory.LazyAttribute(lambda o: o.org.path)


class SupervisionRuleFactory(factory.django.DjangoModelFactory):
    """督办规则 in force from ``effective_from`` (pass it; the default runs from 2030)."""

    class Meta:
        model = SupervisionRule

    effective_from = factory.Sequence(lambda n: dt.date(2030, 1, 1) + dt.timedelta(days=n))


class PlanFactory(factory.django.DjangoModelFactory):
    """A plan owned by the district's supervision office (督查室)."""

    class Meta:
        model = Plan

    org = factory.SubFactory(DepartmentFactory, name="区委督查室", short_name="督查室")
    org_path = ORG_PATH
    title = "2026年区委重点工作"
    year = 2026
    source_meeting = "区委重点工作推进会议"
    document_no = "岳办发〔2026〕1号"
    source_date = dt.date(2026, 2, 20)


class TaskFactory(factory.django.DjangoModelFactory):
    """A key task of a plan, led by another department of the plan office's district."""

    class Meta:
        model = Task

    plan = factory.SubFactory(PlanFactory)
    org = factory.SelfAttribute("plan.org")
    org_path = ORG_PATH
    title = "推进背街小巷环境整治"
    lead_unit = factory.SubFactory(
        DepartmentFactory,
        parent=factory.LazyAttribute(lambda o: Org.objects.get_parent(o.factory_parent.plan.org)),
    )
    leader_name = "王副区长"
    start_on = dt.date(2026, 3, 2)
    deadline = dt.date(2026, 6, 30)
    cadence = "monthly"
    evidence_kinds = factory.LazyFunction(lambda: ["文件", "照片"])


class _OfTask(factory.django.DjangoModelFactory):
    class Meta:
        abstract = True

    task = factory.SubFactory(TaskFactory)


class TaskUnitFactory(_OfTask):
    class Meta:
        model = TaskUnit

    org = factory.SelfAttribute("task.lead_unit")
    org_path = ORG_PATH
    role = "lead"


class MilestoneFactory(_OfTask):
    class Meta:
        model = Milestone

    title = "完成整治方案"
    due_on = dt.date(2026, 4, 15)


class ProgressReportFactory(_OfTask):
    class Meta:
        model = ProgressReport

    org = factory.SelfAttribute("task.lead_unit")
    org_path = ORG_PATH
    percent = 40
    done_text = "完成整治方案,启动首批12条背街小巷改造"


class CoInputFactory(_OfTask):
    class Meta:
        model = CoInput

    org = factory.SelfAttribute("task.lead_unit")
    org_path = ORG_PATH
    text = "配合完成沿街商户摸排"


class EvidenceFactory(_OfTask):
    """A stored file's row (the file itself is not written)."""

    class Meta:
        model = Evidence

    kind = "照片"
    file = "workplan/evidence/photo.jpg"
    original_name = "整治前后对比.jpg"
    content_type = "image/jpeg"


class NoticeFactory(_OfTask):
    """A reminder to the task's lead unit."""

    class Meta:
        model = Notice

    org = factory.SelfAttribute("task.org")
    org_path = ORG_PATH
    unit = factory.SelfAttribute("task.lead_unit")
    kind = "reminder"
    trigger = "manual"
    text = "请于3个工作日内报送工作进展"


class AccountabilityFactory(_OfTask):
    class Meta:
        model = Accountability

    org = factory.SelfAttribute("task.org")
    org_path = ORG_PATH
    unit = factory.SelfAttribute("task.lead_unit")
    reason = "经督办、通报后仍未整改到位"


class DocCounterFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DocCounter

    year = 2026
    kind = factory.Sequence(lambda n: f"kind{n}")


class TaskLinkFactory(_OfTask):
    class Meta:
        model = TaskLink

    kind = "url"
    label = "区政府门户网站通报"
    url = "https://www.example.gov.cn/tzgg/1.html"
