"""Category suggestions: keyword cold start, a model trained on registered cases, versions."""

import pytest

from cases.models import Category
from intel import classify
from intel.models import KeywordRule, ModelVersion
from intel.tasks import retrain_category_model
from intel.text import mask

from .conftest import registered_cases

pytestmark = pytest.mark.django_db


def test_every_seeded_leaf_category_has_a_keyword_rule():
    leaves = Category.objects.filter(parent__isnull=False)
    assert leaves.exists()
    assert set(KeywordRule.objects.values_list("category_id", flat=True)) == set(
        leaves.values_list("pk", flat=True)
    )


def test_cold_start_uses_keyword_rules():
    top = classify.suggest("枫林三路连续五盏路灯不亮,晚上黑漆漆的")
    assert top and top[0].category.code == "0102"
    assert top[0].source == "keywords"
    assert "路灯" in top[0].words
    assert len(top) <= 3
    assert sum(s.score for s in top) <= 1.0001


def test_keyword_rules_are_editable_data():
    rule = KeywordRule.objects.get(category__code="2006")
    # the rules are read once per process (classify.KEYWORD_RULES); an edit is seen at once
    assert all(s.category.code != "2006" for s in classify.suggest("楼上养的鹦鹉天天叫"))
    rule.words = "鹦鹉"
    rule.save()
    assert classify.suggest("楼上养的鹦鹉天天叫")[0].category.code == "2006"
    rule.category.active = False  # a category switched off takes its rule with it
    rule.category.save()
    assert classify.suggest("楼上养的鹦鹉天天叫") == []
    rule.category.active = True
    rule.category.save()
    assert classify.suggest("楼上养的鹦鹉天天叫")[0].category.code == "2006"
    rule.active = False
    rule.save()
    assert classify.suggest("楼上养的鹦鹉天天叫") == []


def test_empty_text_gives_no_suggestion():
    assert classify.suggest("   ") == []


def test_mask_hides_phone_and_id_numbers():
    text = mask("电话13912345678,身份证430104198506011234,座机0731-88886666")
    assert "13912345678" not in text and "430104198506011234" not in text and "88886666" not in text
    assert text.count("〔电话〕") == 2 and "〔身份证号〕" in text


def test_too_few_cases_keeps_keyword_rules(world):
    registered_cases(world, per_code=2)
    result = classify.train_from_cases()
    assert result.version is None and not result.activated
    assert "关键词" in result.reason
    assert not ModelVersion.objects.exists()


def test_train_activates_model_and_suggest_explains(world, intel_var):
    registered_cases(world, per_code=12)
    result = classify.train_from_cases()
    version = result.version
    assert result.activated and version.active
    assert version.n_train + version.n_test == 12 * 8 and version.n_test == len(version.validation_ids)
    assert version.n_classes == 8
    assert version.macro_f1 > 0.6
    assert version.path.startswith(str(intel_var)) and (intel_var / "intel").is_dir()

    top = classify.suggest("小区门口的垃圾桶满了好几天没人清运,臭气熏天")
    assert top[0].source == "model"
    assert top[0].category.code == "0301"
    assert len(top) == 3
    assert top[0].score > top[1].score >= top[2].score
    assert top[0].words, "the words that drove the suggestion are shown"
    assert any("垃圾" in w for w in top[0].words)


def test_retrain_is_idempotent(world):
    registered_cases(world, per_code=12)
    first = classify.train_from_cases().version
    again = classify.train_from_cases()
    assert not again.activated and again.version.pk == first.pk
    assert ModelVersion.objects.count() == 1


def _events(version):
    from audit.models import AuditEvent

    return list(
        AuditEvent.objects.filter(subject_type="intel.modelversion", subject_id=str(version.pk)).values_list(
            "action", flat=True
        )
    )


def test_guard_fixed_validation_set_better_model_goes_in(world):
    """The first version draws the fixed validation set; after the dispatchers correct the
    categories (here: two categories had been registered as a third), the retrained model is
    scored with the active one on the same cases — with the corrected labels — and replaces it."""
    from cases.models import Case

    cases = registered_cases(world, per_code=10)
    mislabelled = [c.pk for c in cases if c.category.code in ("0301", "0305")]
    Case.objects.filter(pk__in=mislabelled).update(category=Category.objects.get(code="0101"))
    first = classify.train_from_cases().version
    assert first.active and first.passed_guard and first.baseline is None
    assert first.validation_ids and first.n_test == len(first.validation_ids)
    assert first.n_train + first.n_test == 10 * 8
    assert _events(first) == ["intel.model_promoted"]

    for case in cases:  # the corrections
        Case.objects.filter(pk=case.pk).update(category=case.category)
    result = classify.train_from_cases()
    second = result.version
    assert result.activated and second.active and second.passed_guard
    assert second.validation_ids == first.validation_ids, "the validation set is fixed"
    assert second.baseline_id == first.pk and second.macro_f1 > second.baseline_f1
    assert second.n_train == 80 - len(first.validation_ids)  # validation cases never trained on
    assert _events(second) == ["intel.model_promoted"]
    first.refresh_from_db()
    assert not first.active
    assert ModelVersion.objects.filter(active=True).count() == 1


def test_guard_keeps_a_worse_model_out(world):
    """Bad corrections (the training cases of two categories relabelled as a third) make a worse
    model: it is stored, measured on the fixed validation set, kept inactive and audited."""
    from cases.models import Case

    registered_cases(world, per_code=10)
    first = classify.train_from_cases().version
    wrong = Category.objects.get(code="0101")
    Case.objects.filter(category__code__in=("0301", "0305")).exclude(pk__in=first.validation_ids).update(
        category=wrong
    )
    result = classify.train_from_cases()
    worse = result.version
    assert not result.activated and not worse.active and not worse.passed_guard
    assert "保留" in result.reason and "未启用" in worse.note
    assert worse.baseline_id == first.pk and worse.macro_f1 < worse.baseline_f1
    assert worse.validation_ids == first.validation_ids
    assert _events(worse) == ["intel.model_kept_out"]
    assert ModelVersion.objects.get(active=True).pk == first.pk
    top = classify.suggest("小区门口的垃圾桶满了好几天没人清运,臭气熏天")
    assert top[0].category.code == "0301", "the active (better) model still answers"


def test_periodic_job_trains(world):
    registered_cases(world, per_code=12)
    out = retrain_category_model.call()
    assert out["activated"] is True
    assert ModelVersion.objects.filter(active=True, pk=out["version"]).exists()
    assert retrain_category_model.call()["activated"] is False  # nothing changed


def test_retrain_job_is_scheduled_daily():
    import datetime

    from core.periodic import schedules

    names = {s.name: s.every for s in schedules()}
    assert names["intel.tasks.retrain_category_model"] == datetime.timedelta(hours=24)


def test_build_demo_intel_trains_once(world):
    import io

    from django.core.management import call_command

    registered_cases(world, per_code=8)
    out = io.StringIO()
    call_command("build_demo_intel", stdout=out)
    assert "已启用新模型" in out.getvalue() and "演示数据" in out.getvalue()
    call_command("build_demo_intel", stdout=out)
    assert "跳过" in out.getvalue()
    assert ModelVersion.objects.count() == 1


def test_build_demo_intel_two_versions_through_the_guard(world):
    """With enough cases the demo trains on the earlier 70 % first, then on all through the guard,
    and leaves acceptance records for both versions."""
    import io

    from django.core.management import call_command

    from cases.models import Case
    from intel.models import SuggestionFeedback

    registered_cases(world, per_code=26)  # 208 ≥ 200
    Case.objects.update(is_demo=True)
    out = io.StringIO()
    call_command("build_demo_intel", stdout=out)
    first, second = ModelVersion.objects.order_by("created_at", "id")
    assert second.baseline_id == first.pk and second.baseline_f1 is not None
    assert second.validation_ids == first.validation_ids
    assert ModelVersion.objects.filter(active=True).count() == 1
    assert SuggestionFeedback.objects.filter(model_version=first).exists()


def test_train_command(world):
    import io

    from django.core.management import call_command

    registered_cases(world, per_code=8)
    out = io.StringIO()
    call_command("intel", "train", stdout=out)
    assert "version=" in out.getvalue() and "active=True" in out.getvalue()
