"""The labelled duplicate set's construction rule (bench/intel.py) and the MinHash similarity, on
invented rows (the real messages stay in ../shared)."""

import datetime as dt
import importlib.util
from pathlib import Path

from intel.duplicates import MIN_SIMILARITY, similarity

BENCH = Path(__file__).resolve().parents[2] / "bench" / "intel.py"


def _bench():
    spec = importlib.util.spec_from_file_location("bench_intel", BENCH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _row(user, title, day, text="正文"):
    when = dt.datetime(2019, 4, day, 9, tzinfo=dt.UTC)
    return {"id": title, "user": user, "title": title, "time": when, "text": text}


def test_pairs_are_labelled_by_user_time_and_title_only():
    bench = _bench()
    rows = [
        _row("u1", "反映A6区大汉汉园网签合同的问题", 1),
        _row("u1", "反映A6区大汉汉园网签合同的问题!", 3),  # resubmission: positive
        _row("u1", "咨询A市地铁3号线出入口规划", 5),  # same user, other problem: negative
        _row("u2", "A6区某小区噪音扰民", 2),  # other user, same place, same week: negative
        _row("u3", "B2区学校收费问题", 4),  # no shared place token: no pair
    ]
    pairs = {(i, j): (y, kind) for i, j, y, kind in bench.build_pairs(rows, seed=1)}
    assert pairs[(0, 1)] == (True, "same user, same title")
    assert pairs[(0, 2)][0] is False and pairs[(1, 2)][0] is False
    assert pairs[(0, 3)] == (False, "other user, same place and week")
    assert not any(4 in pair for pair in pairs)
    p, r = bench.curve([0.9, 0.1, 0.5], [True, False, False], [0.4])[0][1:3]
    assert (p, r) == (0.5, 1.0)


def test_minhash_similarity():
    text = "枫林三路连续五盏路灯不亮,晚上黑漆漆的,行人很不安全"
    assert similarity(text, text) == 1.0
    assert similarity(text, text + ",请尽快修理") >= MIN_SIMILARITY
    assert similarity(text, "学校门口的奶茶店占道经营,油烟很大") < MIN_SIMILARITY
