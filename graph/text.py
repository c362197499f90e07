"""Text normalisation for search: Chinese-aware, width- and bracket-insensitive."""

from __future__ import annotations

import unicodedata

# NFKC already maps full-width ASCII (（）［］Ａ１) to half-width; these are the CJK brackets it keeps.
_BRACKETS = str.maketrans({"【": "(", "】": ")", "〔": "(", "〕": ")", "〖": "(", "〗": ")", "[": "(", "]": ")"})


def normalise(text: str) -> str:
    """Search form of a name: NFKC, case-folded, brackets unified, whitespace removed.

    >>> normalise("迈威（上海）生物科技 股份有限公司")
    '迈威(上海)生物科技股份有限公司'
    >>> normalise("ＡＢＣ【上海】") == normalise("abc(上海)")
    True
    """
    return "".join(unicodedata.normalize("NFKC", text).translate(_BRACKETS).casefold().split())
