"""Terms (用语) with more than one written form: the label the software shows, and the other forms
a user may type when searching (``docs/glossary.md``).

"两优一先" (优秀共产党员、优秀党务工作者、先进基层党组织) is the regulations' term and the label
everywhere; "两先一优", the district speech's wording, is its alias. A text taken from a source
document (a work-plan task extracted from the speech) keeps its own wording; searches find it by
either form.
"""

from __future__ import annotations

# label → aliases
TERMS: dict[str, tuple[str, ...]] = {
    "两优一先": ("两先一优",),
}
_GROUPS = [(label, *aliases) for label, aliases in TERMS.items()]


def variants(text: str) -> list[str]:
    """``text`` and the same text with each term written in its other forms (the label first):
    the strings a search should try. ``variants("两先一优表彰")`` → ["两先一优表彰", "两优一先表彰"]."""
    out = [text]
    for group in _GROUPS:
        for form in group:
            if form in text:
                for other in group:
                    candidate = text.replace(form, other)
                    if candidate not in out:
                        out.append(candidate)
    return out
