"""文号: document numbers of the notices every app prints (督办通知单, 通报).

One series per printed stem and year: ``{prefix}{word}〔{year}〕{n}号``, e.g. 岳督办〔2026〕12号,
where ``prefix`` is the issuing office's 发文代字 (``orgs.Org.doc_prefix``, resolved by the caller:
core does not know the org tree) and ``word`` the document's word (督办, 通报). Allocation locks the
series' counter row (``select_for_update``) inside a transaction, so concurrent workers on
PostgreSQL get distinct numbers; a number once allocated is never handed out again, even if the
transaction that used it is later rolled back by a caller (the gap is harmless; a reuse is not).
"""

from __future__ import annotations

from django.db import IntegrityError, transaction

from .models import DocNumberCounter

WORDS = {"notice": "督办", "circular": "通报"}


def stem(prefix: str, word: str) -> str:
    return f"{(prefix or '').strip()}{word}"


def format_number(prefix: str, word: str, year: int, sequence: int) -> str:
    return f"{stem(prefix, word)}〔{year}〕{sequence}号"


def allocate(prefix: str, word: str, year: int) -> str:
    """The next number of the series ``prefix``+``word`` in ``year`` (race-free)."""
    key = stem(prefix, word)
    with transaction.atomic():
        counter = DocNumberCounter.objects.select_for_update().filter(stem=key, year=year).first()
        if counter is None:
            try:
                with transaction.atomic():
                    counter = DocNumberCounter.objects.create(stem=key, year=year, last=0)
            except IntegrityError:  # another worker created the series first: lock theirs
                pass
            counter = DocNumberCounter.objects.select_for_update().get(stem=key, year=year)
        counter.last += 1
        counter.save(update_fields=["last"])
        return format_number(prefix, word, year, counter.last)


def word_for(kind: str) -> str:
    """The document word of a notice kind (督办 for 督办通知单, 通报 for circulars)."""
    return WORDS.get(kind, "督查")
