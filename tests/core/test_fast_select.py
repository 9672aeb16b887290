"""``core.forms.FastSelect`` renders the same ``<select>`` as Django's template-based widget."""

import re

from django import forms

from core.forms import FastSelect, FastSelectMultiple

CHOICES = [("", "请选择"), ("单位", [(1, "区城管局"), (2, "A & <B>")]), (3, "湖东社区")]


def squeeze(html: str) -> str:
    return re.sub(r">\s+<", "><", str(html)).strip()


def test_same_html_as_django_select():
    for value in (None, "", 2, "3"):
        ours = FastSelect(choices=CHOICES, attrs={"class": "form-select"}).render("unit", value, {"id": "x"})
        django = forms.Select(choices=CHOICES, attrs={"class": "form-select"}).render(
            "unit", value, {"id": "x"}
        )
        assert squeeze(ours) == squeeze(django)
    ours = FastSelectMultiple(choices=CHOICES).render("units", [1, 3], {"id": "y", "required": True})
    django = forms.SelectMultiple(choices=CHOICES).render("units", [1, 3], {"id": "y", "required": True})
    assert " multiple" in ours  # attribute order may differ; the rest is identical
    assert squeeze(ours).replace(" multiple", "") == squeeze(django).replace(" multiple", "")
    assert "A &amp; &lt;B&gt;" in ours
