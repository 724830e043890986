"""Free text: every kind of space is allowed, control and invisible characters are not."""

from __future__ import annotations

import pytest

from smartcustoms.textcheck import printable


@pytest.mark.parametrize("text", ["Sato Yui", "佐藤\u3000結衣", "東京都\u3000世田谷区", "Caf\u00e9\u00a0Noir", "ｻﾄｳ",
                                  "\u2003em space"])
def test_names_with_any_kind_of_space_are_printable(text: str) -> None:
    assert printable(text)


@pytest.mark.parametrize("text", ["a\x00b", "a\tb", "a\nb", "a\u2028b", "a\u202eb", "a\u200bb", "a\ufeffb",
                                  "a\x7fb", "a\ud800b"])
def test_control_and_invisible_characters_are_not(text: str) -> None:
    assert not printable(text)
