"""Normal forms and spelling keys (pure): readings across scripts meet their Latin spellings."""

from __future__ import annotations

from smartcustoms.screening.matcher import THRESHOLD, score_names
from smartcustoms.screening.normalize import crude, normalise, soften, variants


def test_bracketed_alternative_without_spaces_keeps_the_words_apart() -> None:
    # Full-width brackets written against the words (Aleksey（Alexei）Petrov): still two words, not one glued word.
    forms = variants("Aleksey（Alexei）Petrov")
    assert "Aleksey Petrov" in forms and "Alexei Petrov" in forms
    assert normalise(forms[0]).tokens == ("aleksey", "petrov")


def test_latin_soft_spelling_as_other_scripts_write_it() -> None:
    # Serbian/Croatian lj, nj and j after a vowel; English/German final -er as katakana's long a.
    assert normalise("Dragan Stojiljkovic").soft == normalise("Dragan Stoilkovic").soft
    assert normalise("Njegos").soft == normalise("Negos").soft
    assert normalise("Peter Wagner").soft == (soften("peta"), soften("wagna"))
    assert normalise("Vlajko").soft == normalise("ヴライコ").soft
    # Only the soft spelling changes: tokens stay as written.
    assert normalise("Peter Wagner").tokens == ("peter", "wagner")
    assert normalise("Fer").soft == ("fer",)  # short words keep their -er


def test_katakana_nm_is_a_double_m() -> None:
    assert normalise("ムハンマド").soft == normalise("ムハマド").soft
    assert "nm" not in soften("muhanmado", True)


def test_katakana_fu_before_a_consonant_reads_as_h_or_kh_in_the_coarse_key() -> None:
    assert crude("afumadi") == crude("ahmadi")
    assert crude("yafunyuku") == crude("yakhnyuk")
    assert crude("furomofu") == crude("khromov")
    assert crude("farid") == crude("farid") and crude("farid") != crude("harid")  # f before a vowel stays f


def test_chinese_names_in_han_characters_get_a_mandarin_reading() -> None:
    assert "xi jinping" in variants("習近平")        # Japanese form of the characters
    assert "xi jinping" in variants("习近平")        # simplified
    assert score_names("習近平", "Xi Jinping").score >= THRESHOLD
    assert score_names("习近平", "XI, Jinping").score >= THRESHOLD
    assert score_names("習近平", "Li Keqiang").score < THRESHOLD
    # The Japanese reading stays: a Japanese name is still read the Japanese way.
    assert variants("山田太郎") == ("山田太郎",)
    assert normalise("山田太郎").tokens == ("yamada", "taro")


def test_readings_meet_their_latin_spellings() -> None:
    pairs = [
        ("モハンマド・アフマディ", "Mohammad Ahmadi"),
        ("ニコライ・フロモフ", "Nikolai Khromov"),
        ("ムハンマド・ラフマン", "Muhammad Rahman"),
        ("ペーター・ミュラー", "Peter Muller"),
        ("キム・ギョンナム", "Kim Kyong Nam"),
        ("コ・テフン", "Ko Tae Hun"),
        ("チョン・ミョングク", "Chon Myeong Guk"),
        ("株式会社ウラル機械建築設計局", "Ural Machine Building Design Bureau JSC"),
        ("連邦国家単一企業ウラル特別技術センター", "Federal State Unitary Enterprise Ural Special Technology Center"),
    ]
    for ja, en in pairs:
        assert score_names(ja, en).score >= THRESHOLD, (ja, en, score_names(ja, en))
    assert score_names("株式会社ウラル機械建築設計局", "Siberia Machine Building Design Bureau JSC").score < THRESHOLD


def test_titles_that_are_surnames_are_dropped_only_before_a_name() -> None:
    assert normalise("King Abdullah").tokens == ("abdullah",)
    assert normalise("Amber King").tokens == ("amber", "king")
    assert normalise("Mohamed Hassan Dr").tokens == ("mohamed", "hassan")
    assert score_names("Amber King", "AMBER").score < THRESHOLD


def test_numbers_in_words_digits_and_ordinals_are_one_spelling() -> None:
    assert normalise("Brigade Forty-Four").tokens == normalise("Brigade 44").tokens
    assert normalise("1st Federal Bank").tokens == normalise("First Federal Bank").tokens
    assert normalise("Twenty-First Century Trading").tokens == normalise("21st Century Trading").tokens
    assert score_names("Brigade Forty-Four", "Brigade 44").score >= THRESHOLD
    # A number weighs what a word does: "Company 23" is not "Company", 44 is not 45.
    assert score_names("Harbour Services 23", "Harbour Services").score < THRESHOLD
    assert score_names("Brigade 44", "Brigade 45").score < THRESHOLD
    assert normalise("Plant 810").tokens == ("plant", "810")   # larger numbers stay digits


def test_german_and_polish_final_yj_is_the_english_yy() -> None:
    assert soften("selenskyj") == soften("selenskyy") == soften("selenskiy")
    assert soften("dij") == "dij"   # short words keep it


def test_latvian_and_lithuanian_name_endings_are_also_read_without_them() -> None:
    # Every word of a man's name takes the nominative ending, foreign names too: Aleksandrs Morozovs (Latvian),
    # Aleksandras Morozovas (Lithuanian) are Aleksandr Morozov.
    assert "Aleksandr Morozov" in variants("Aleksandrs Morozovs")
    assert "Aleksandr Morozov" in variants("Aleksandras Morozovas")
    assert "MOROZOV, Aleksandr" in variants("MOROZOVS, Aleksandrs")
    for name in ("Aleksandrs Morozovs", "Aleksandras Morozovas"):
        assert score_names(name, "Aleksandr Petrovich MOROZOV").score >= THRESHOLD
    assert score_names("Aleksandrs Morozovs", "Aleksandr VOROBYOV").score < THRESHOLD
    # Only when every word ends so; an organisation's plural is not such an ending.
    assert variants("Aleksandrs Morozov") == ("Aleksandrs Morozov",)
    assert variants("Baltic Metals Industries") == ("Baltic Metals Industries",)


def test_single_letters_joined_by_a_slash_are_one_legal_form() -> None:
    assert normalise("Nordic Freight A/S").legal == ("as",)
    assert normalise("Nordic Freight A/S").tokens == ("nordic", "freight")
    assert normalise("Alpha/Beta Trading").tokens[:2] == ("alpha", "beta")   # names separated by a slash stay apart
