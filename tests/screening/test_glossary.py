"""Japanese institution names translated word by word (pure): what the official lists write in English."""

from __future__ import annotations

from smartcustoms.screening.glossary import (
    LEGAL,
    LOANWORDS,
    PLACES,
    WORDS,
    russian_in_english,
    translate,
    translations,
)
from smartcustoms.screening.normalize import LEGAL_FORMS, normalise, variants


def test_legal_forms_become_english_legal_words_not_half_words() -> None:
    # 株式会社 is one legal form: never "kabushiki" plus a translated 会社.
    assert translate("株式会社ヤマル機械建築設計局") == "jsc ヤマル machine building design bureau"
    assert translate("公共株式会社シベリア造船所") == "pjsc siberia shipyard"
    for english in LEGAL.values():
        assert english in LEGAL_FORMS, english
    assert normalise(translate("有限会社東方鉱山") or "").tokens == ("eastern", "mining")
    assert normalise(translate("有限会社東方鉱山") or "").legal == ("llc",)


def test_longest_word_first_and_compounds() -> None:
    assert translate("中央科学研究所") == "central scientific research institute"  # 科学研究所, not 科学 + 研究 + 所
    assert translate("連邦国家単一企業") == "federal state unitary enterprise"
    assert translate("特別技術センター") == "special technology center"


def test_words_with_two_renderings_give_a_second_translation() -> None:
    assert translations("ウラル自動車工場") == ("ural automobile plant", "ural automobile factory")
    assert len(translations("連邦保安庁")) == 1


def test_katakana_words_whole_or_made_of_known_words_only() -> None:
    assert translate("インターネット・リサーチ・エージェンシー") == "internet research agency"
    assert translate("ロシアヘリコプター") == "russia helicopter"   # two known words written together
    # A katakana word that is not made of known words is left alone, never half replaced (ガス inside a name).
    assert translate("チョルノモルガス") is None
    # Words mixing katakana and kanji count only where a katakana word starts (ノヴォロシア is not ロシア).
    assert translate("イスラム国西アフリカ州") == "islamic state west africa province"
    assert "russia" not in (translate("ノヴォロシア連邦") or "")


def test_personal_names_and_latin_text_are_not_translated() -> None:
    assert translations("山田太郎") == ()
    assert translations("Machine Building Design Bureau") == ()
    assert translations("アレクサンドル・イワノフ") == ()


def test_ordinal_number_prefix_dropped() -> None:
    assert translate("株式会社第120航空機修理工場") == "jsc 120 aircraft repair plant"


def test_translations_are_names_of_their_own() -> None:
    forms = variants("株式会社ヤマル機械建築設計局")
    assert forms[0] == "株式会社ヤマル機械建築設計局"
    assert "jsc ヤマル machine building design bureau" in forms


def test_vocabulary_is_consistent() -> None:
    for table in (WORDS, LOANWORDS, PLACES):
        for word, english in table.items():
            assert word.strip() == word and english and english == english.lower(), word


def test_a_name_written_together_with_its_kind() -> None:
    assert translate("アルファバンク") == "アルファ bank"   # a bank called Alfa, written as one word
    assert translations("マリア・バンクス") == ()           # a person's name is left alone


def test_transliterated_russian_institution_words_in_english() -> None:
    assert russian_in_english("zavod") == ("plant",)
    assert russian_in_english("nauchno") == ("scientific",)
    assert russian_in_english("proizvodstvennoye") == ("production",)
    assert russian_in_english("mashinostroitelnyi") == ("machine", "building")
    for word in ("ivan", "kozlov", "institutes", "bank", "dom"):
        assert russian_in_english(word) in (None, ("institute",)), word
    assert normalise("Tulskii Patronnyi Zavod").tokens == ("tulskii", "patronnyi", "plant")
    # Both ways of writing one institution meet: transliterated on one list, translated on another.
    a = normalise("Nauchno Proizvodstvennoe Predpriyatie Kometa").tokens
    assert a == normalise("Scientific Production Enterprise Kometa").tokens
    assert normalise(translations("学術生産企業コメタ")[0]).tokens[:3] == a[:3]
