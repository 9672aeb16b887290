"""Factories of 智能辅助: keyword rules, model versions, suggestion feedback, hot-spot tasks."""

import datetime as dt

import factory

from intel.models import HotSpotTask, KeywordRule, ModelVersion, SuggestionFeedback

from .cases import CaseFactory, CategoryFactory
from .orgs import CommunityFactory
from .workplan import TaskFactory

ORG_PATH = factory.LazyAttribute(lambda o: o.org.path)


class KeywordRuleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = KeywordRule

    category = factory.SubFactory(CategoryFactory)
    words = "垃圾 清运 堆放"


class ModelVersionFactory(factory.django.DjangoModelFactory):
    """A trained model's row (inactive unless ``active=True``; the file itself is not written)."""

    class Meta:
        model = ModelVersion

    n_train = 240
    n_test = 60
    n_classes = 8
    macro_f1 = 0.86
    accuracy = 0.88
    path = factory.Sequence(lambda n: f"intel/category-{n}.joblib")


class SuggestionFeedbackFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SuggestionFeedback

    case = factory.SubFactory(CaseFactory)
    org = factory.SelfAttribute("case.org")
    org_path = ORG_PATH
    kind = "category"
    source = "keywords"
    suggested = factory.LazyFunction(lambda: [{"id": 1, "name": "暴露垃圾", "score": 0.82}])
    final_id = 1
    final_name = "暴露垃圾"
    accepted = True
    in_top3 = True


class HotSpotTaskFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = HotSpotTask

    community = factory.SubFactory(CommunityFactory)
    org = factory.SelfAttribute("community")
    org_path = ORG_PATH
    month = dt.date(2026, 11, 1)
    category = factory.SubFactory(CategoryFactory)
    case_count = 6
    task = factory.SubFactory(TaskFactory)
