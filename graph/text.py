"""Text normalisation for search: Chinese-aware, width- and bracket-insensitive."""

from __future__ import annotations

import re
import unicodedata

# what text from a form or a client may not hold: C0 controls other than tab and line breaks, DEL,
# and lone surrogates (no encoding can store them)
UNSAFE_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")


def unsafe_character(text: str) -> str | None:
    """Why ``text`` is no text a form or a client may send (the first character UNSAFE_TEXT finds), or None."""
    found = UNSAFE_TEXT.search(text)
    return f"character U+{ord(found.group()):04X} at position {found.start()} is not text" if found else None

# NFKC already maps full-width ASCII (（）［］Ａ１) to half-width; these are the CJK brackets it keeps.
_BRACKETS = str.maketrans({"【": "(", "】": ")", "〔": "(", "〕": ")", "〖": "(", "〗": ")", "[": "(", "]": ")",
                           # control characters are no part of a search form (whitespace ones split it)
                           **{chr(c): None for c in (*range(0x00, 0x09), *range(0x0e, 0x1c), 0x7f)}})


def normalise(text: str) -> str:
    """Search form of a name: NFKC, case-folded, brackets unified, whitespace and controls removed.

    >>> normalise("迈威（上海）生物科技 股份有限公司")
    '迈威(上海)生物科技股份有限公司'
    >>> normalise("ＡＢＣ【上海】") == normalise("abc(上海)")
    True
    """
    return "".join(unicodedata.normalize("NFKC", text).translate(_BRACKETS).casefold().split())
