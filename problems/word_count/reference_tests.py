import pytest
from wordfreq import word_frequencies


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("The cat and the hat.", {"the": 2, "cat": 1, "and": 1, "hat": 1}),
        ("Don't stop, don't!", {"don't": 2, "stop": 1}),
        ("'Hello,' she said.", {"hello": 1, "she": 1, "said": 1}),
        ("Straße STRASSE", {"strasse": 2}),
        ("", {}),
    ],
)
def test_description_examples(text, expected):
    assert word_frequencies(text) == expected


def test_single_word():
    assert word_frequencies("hello") == {"hello": 1}


def test_repeated_word_with_line_breaks():
    assert word_frequencies("spam\nspam\tspam  eggs\r\nspam") == {"spam": 4, "eggs": 1}


def test_case_is_ignored():
    assert word_frequencies("Apple APPLE apple aPPle") == {"apple": 4}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Straße strasse STRASSE", {"strasse": 3}),
        ("MASSE Maße", {"masse": 2}),
        ("ΣΊΣΥΦΟΣ σίσυφος", {"σίσυφοσ": 2}),
    ],
)
def test_casefold_not_just_lowercase(text, expected):
    assert word_frequencies(text) == expected


def test_folding_happens_after_splitting():
    assert word_frequencies("İstanbul") == {"i\u0307stanbul": 1}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("don't", {"don't": 1}),
        ("rock'n'roll", {"rock'n'roll": 1}),
        ("O'Neil's dog", {"o'neil's": 1, "dog": 1}),
        ("it's its", {"it's": 1, "its": 1}),
    ],
)
def test_inner_apostrophes_kept(text, expected):
    assert word_frequencies(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("'tis", {"tis": 1}),
        ("the students' books", {"the": 1, "students": 1, "books": 1}),
        ("'quoted' quoted", {"quoted": 2}),
        ("''double''", {"double": 1}),
    ],
)
def test_edge_apostrophes_removed(text, expected):
    assert word_frequencies(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("rock ' n '' roll", {"rock": 1, "n": 1, "roll": 1}),
        ("' a '", {"a": 1}),
    ],
)
def test_apostrophes_alone_are_not_words(text, expected):
    assert word_frequencies(text) == expected


def test_typographic_apostrophe_separates():
    assert word_frequencies("don\u2019t") == {"don": 1, "t": 1}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("café naïve", {"café": 1, "naïve": 1}),
        ("東京 Ωmega", {"東京": 1, "ωmega": 1}),
        ("Ελλάδα ελλάδα", {"ελλάδα": 2}),
    ],
)
def test_non_ascii_letters(text, expected):
    assert word_frequencies(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024 was 2024", {"2024": 2, "was": 1}),
        ("x² ½ ٣", {"x²": 1, "½": 1, "٣": 1}),
        ("3.14", {"3": 1, "14": 1}),
    ],
)
def test_digits(text, expected):
    assert word_frequencies(text) == expected


def test_underscore_separates():
    assert word_frequencies("snake_case case") == {"snake": 1, "case": 2}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("well-known", {"well": 1, "known": 1}),
        ("a,b;c", {"a": 1, "b": 1, "c": 1}),
        ("«bonjour»", {"bonjour": 1}),
    ],
)
def test_punctuation_separates_without_spaces(text, expected):
    assert word_frequencies(text) == expected


def test_combining_accent_separates():
    assert word_frequencies("cafe\u0301") == {"cafe": 1}


def test_keys_in_order_of_first_appearance():
    result = word_frequencies("pear apple apple fig apple fig")
    assert list(result.items()) == [("pear", 1), ("apple", 3), ("fig", 2)]


def test_order_uses_first_spelling_position():
    result = word_frequencies("Zebra yak ZEBRA")
    assert list(result) == ["zebra", "yak"]


@pytest.mark.parametrize("text", ["", "   ", "\n\t", "--- !!!", "''", "' '"])
def test_no_words(text):
    assert word_frequencies(text) == {}


def test_calls_are_independent():
    word_frequencies("one two two")
    assert word_frequencies("two three") == {"two": 1, "three": 1}


def test_result_is_a_new_dict():
    first = word_frequencies("a a b")
    first["a"] = 99
    first["zzz"] = 1
    assert word_frequencies("a a b") == {"a": 2, "b": 1}
    assert word_frequencies("a a b") is not word_frequencies("a a b")


def test_modifier_letter_apostrophe_is_a_letter():
    assert word_frequencies("don\u02bct \u02bc") == {"don\u02bct": 1, "\u02bc": 1}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a\u00a0b", {"a": 1, "b": 1}),
        ("a\r\nb\u3000a", {"a": 2, "b": 1}),
        ("1990\u20132000 a\u2014b", {"1990": 1, "2000": 1, "a": 1, "b": 1}),
    ],
)
def test_unicode_whitespace_and_dashes_separate(text, expected):
    assert word_frequencies(text) == expected


def test_indic_vowel_sign_separates():
    assert word_frequencies("\u0915\u093e\u0915") == {"\u0915": 2}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("\ufb01ne FINE", {"fine": 2}),
        ("\uff21\uff22 ab", {"\uff41\uff42": 1, "ab": 1}),
        ("\u01c4 \u01c5 \u01c6", {"\u01c6": 3}),
        ("\u1e9e \u00df ss", {"ss": 3}),
        ("\u0130 i", {"i\u0307": 1, "i": 1}),
    ],
)
def test_casefold_is_the_only_change(text, expected):
    assert word_frequencies(text) == expected
