"""Text that came from a student (their code's messages, their notebook, their file names): bounded and inert.

Every such text is capped (measured as it will be shown, after HTML escaping) with a marker saying how much was
left out, has its control characters made visible, and becomes a formula in no spreadsheet.
"""

from __future__ import annotations

import html
import re

MESSAGE_LIMIT = 4 << 10          # one message, after escaping
NOTES_LIMIT = 64 << 10           # all notes of one submission together
FILE_LIMIT = 1 << 20             # one feedback file
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def visible(text: str) -> str:
    """Control characters (terminal escapes, NUL, CR) and lone surrogates shown as \\x.. escapes."""
    text = text.encode("utf-8", "backslashreplace").decode("utf-8")
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def _shown_size(char: str) -> int:
    return len(html.escape(visible(char)).encode())


def bounded(text, limit: int = MESSAGE_LIMIT) -> str:
    """`text` (anything; made a str) cut so that it takes at most `limit` bytes once HTML-escaped, with a marker."""
    text = text if isinstance(text, str) else str(text)
    head = text[: limit + 1]   # every character shows as at least one byte: nothing past this can be kept
    if len(text) <= limit and len(html.escape(visible(head)).encode()) <= limit:
        return visible(text)
    budget, used, end = limit - 60, 0, 0   # room for the marker
    for end, char in enumerate(head):
        used += _shown_size(char)
        if used > budget:
            break
    return f"{visible(text[:end])} [... {len(text) - end} more characters left out]"


def bounded_list(texts, each: int = MESSAGE_LIMIT, total: int = NOTES_LIMIT) -> list[str]:
    """Each text bounded, and the list cut once it reaches `total` bytes, with a last entry saying how many more."""
    kept, used = [], 0
    texts = list(texts)
    for index, text in enumerate(texts):
        text = bounded(text, each)
        size = len(html.escape(text).encode())
        if used + size > total - 100:
            kept.append(f"[... {len(texts) - index} more notes left out]")
            break
        kept.append(text)
        used += size
    return kept


def bounded_file(text: str, limit: int = FILE_LIMIT) -> str:
    """A whole feedback file cut at `limit` bytes (UTF-8), with a marker saying how much was left out."""
    data = text.encode("utf-8")
    if len(data) <= limit:
        return text
    kept = data[: limit - 100].decode("utf-8", errors="ignore")
    return f"{kept}\n[... feedback cut here: {len(data) - len(kept.encode())} more bytes left out]\n"


def csv_cell(value) -> str:
    """A spreadsheet cell that is never a formula: text starting with = + - @ tab or CR gets a leading quote."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text
