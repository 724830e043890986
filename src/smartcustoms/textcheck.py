"""What free text submitters and travellers send may contain: the e-commerce manifests' names, addresses and
descriptions and the means-of-payment declarations' names check it (declarations keep their own older check)."""

from __future__ import annotations

import unicodedata


def printable(value: str) -> bool:
    """No control or other invisible characters (PostgreSQL refuses NUL in text; officers' pages must not carry
    invisible ones), but every kind of space is allowed: `str.isprintable` refuses the ideographic space (U+3000) that
    Japanese names and addresses use between words, and the no-break space (U+00A0) that copied text often carries.
    Bidirectional overrides, zero-width characters and the line and paragraph separators stay refused."""
    return value.isprintable() or all(c.isprintable() or unicodedata.category(c) == "Zs" for c in value)
