"""Search text for Chinese and English on stock PostgreSQL (no zhparser, no pg_trgm in the embedded server).

Chinese is written without spaces, so a word-based index cannot find "风险" inside "风险管理". We index each run of
CJK characters as its overlapping character bigrams (and single characters for one-character runs), and Latin
text as lower-cased words; queries are tokenised the same way and all their tokens must match. This is the
classic bigram approach of CJK full-text search, done in Python and stored in ``Article.search_document``, which
a GIN index over ``to_tsvector('simple', …)`` serves.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_TOKEN = re.compile(rf"[{_CJK}]+|[^\W_]+", re.UNICODE)
_IS_CJK = re.compile(rf"[{_CJK}]")


def tokens(text: str) -> list[str]:
    """Lower-cased words and CJK bigrams of ``text``, in order, without duplicates."""
    seen: dict[str, None] = {}
    for run in _TOKEN.findall(text or ""):
        if _IS_CJK.match(run):
            if len(run) == 1:
                seen.setdefault(run, None)
            for i in range(len(run) - 1):
                seen.setdefault(run[i : i + 2], None)
        else:
            seen.setdefault(run.lower(), None)
    return list(seen)


def search_document(*parts: str | Iterable[str]) -> str:
    words: list[str] = []
    for part in parts:
        if isinstance(part, str):
            words += tokens(part)
        else:
            for item in part:
                words += tokens(item)
    return " ".join(dict.fromkeys(words))
