"""The compiled category model gives the scikit-learn pipeline's probabilities, faster."""

import numpy as np

from intel import classify
from intel.compiled import CompiledModel
from intel.text import mask

from .conftest import CODES, synthetic_rows


def _fit(codes=CODES):
    rows = synthetic_rows(per_code=10, seed=1, codes=codes)
    return classify.fit([t for t, _ in rows], [label for _, label in rows])


def test_compiled_model_matches_pipeline_probabilities():
    pipeline = _fit()
    model = classify.compiled(pipeline)
    assert isinstance(model, CompiledModel)
    assert classify.compiled(model) is model
    assert model.classes == [str(c) for c in pipeline.classes_]
    for text, _label in synthetic_rows(per_code=3, seed=2):
        text = mask(text)
        expected = pipeline.predict_proba([text])[0]
        got = model.predict_proba_one(text)
        assert np.allclose(got, expected, atol=1e-6), text
        assert model.predict_one(text) == pipeline.predict([text])[0]


def test_compiled_binary_model_and_unknown_text():
    pipeline = _fit(codes=("0102", "0301"))
    model = classify.compiled(pipeline)
    text = mask("小区门口的垃圾桶满了没人清运")
    assert np.allclose(model.predict_proba_one(text), pipeline.predict_proba([text])[0], atol=1e-6)
    # Nothing of the vocabulary: the intercepts alone decide, still a distribution.
    proba = model.predict_proba_one("¤¤")
    assert np.isclose(proba.sum(), 1.0)


def test_top_explains_with_words():
    model = classify.compiled(_fit())
    top = model.top(mask("小区门口的垃圾桶满了好几天没人清运,臭气熏天"), k=3)
    assert len(top) == 3 and top[0][0] == "0301"
    assert top[0][1] >= top[1][1] >= top[2][1]
    assert any("垃圾" in w for w in top[0][2])
