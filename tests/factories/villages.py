"""Factories of 四议两公开 (village decisions): a decision of a village, its steps and photos."""

import datetime as dt

import factory

from villages.models import Decision, DecisionPhoto, DecisionStep, Representative

from .orgs import VillageFactory

ORG_PATH = factory.LazyAttribute(lambda o: o.org.path)


class DecisionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Decision

    org = factory.SubFactory(VillageFactory)
    org_path = ORG_PATH
    title = "村道硬化及路灯安装项目"
    matter = "project"
    summary = "拟对村内主干道2.3公里进行硬化并安装路灯40盏,资金来源为上级补助和村集体经济收入。"


class _OfDecision(factory.django.DjangoModelFactory):
    class Meta:
        abstract = True

    decision = factory.SubFactory(DecisionFactory)
    org = factory.SelfAttribute("decision.org")
    org_path = ORG_PATH


class DecisionStepFactory(_OfDecision):
    class Meta:
        model = DecisionStep

    kind = "proposal"
    held_on = dt.date(2026, 10, 12)
    body = "村党组织"


class DecisionPhotoFactory(_OfDecision):
    """A stored photo's row (the file itself is not written)."""

    class Meta:
        model = DecisionPhoto

    stage = "item"
    file = "villages/1/photo.jpg"


class RepresentativeFactory(factory.django.DjangoModelFactory):
    """村民代表 on a village's roster."""

    class Meta:
        model = Representative

    org = factory.SubFactory(VillageFactory)
    org_path = ORG_PATH
    name = factory.Sequence(lambda n: f"村民代表{n:02d}")
    group = "第一村民小组"
