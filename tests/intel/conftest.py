"""Fixtures for 智能辅助: registered cases built from the demo problem texts, a private model dir."""

import random

import pytest

from cases import services
from cases.models import Case, Category
from core.actors import SYSTEM
from demo import case_texts as demo_texts
from intel.classify import _forget_model

# A few well-separated categories so that a small training set is enough.
CODES = ("0101", "0102", "0301", "0305", "0503", "0601", "2003", "2006")


@pytest.fixture(autouse=True)
def intel_var(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    _forget_model()
    yield tmp_path
    _forget_model()


def synthetic_rows(per_code: int, seed: int, codes=CODES) -> list[tuple[str, str]]:
    """(text, label) pairs from the invented demo problem texts (no real message)."""
    rng = random.Random(seed)
    rows = []
    for code in codes:
        for _ in range(per_code):
            title, description, _address = demo_texts.problem(code, rng)
            rows.append((f"{title}。{description}", code))
    rng.shuffle(rows)
    return rows


def registered_cases(world, per_code: int, seed: int = 1, codes=CODES) -> list[Case]:
    """Cases reported through the service, then marked registered with their category (fixture
    shortcut: the dispatcher's final category is what the model learns)."""
    from core import clock

    rng = random.Random(seed)
    made = []
    areas = [world["g1"], world["g3"]]
    for code in codes:
        category = Category.objects.get(code=code)
        ids = []
        for i in range(per_code):
            title, description, _address = demo_texts.problem(code, rng)
            case = services.report_case(
                channel="hotline", title=title, description=description, area=areas[i % 2], actor=SYSTEM
            )
            ids.append(case.pk)
        Case.objects.filter(pk__in=ids).update(category=category, registered_at=clock.now())
        made.extend(Case.objects.filter(pk__in=ids))
    return made
