import pytest
from slugify_text import slugify


@pytest.mark.parametrize(
    ("title", "slug"),
    [
        ("Hello, World!", "hello-world"),
        ("Crème Brûlée", "creme-brulee"),
        ("snake_case  name", "snake-case-name"),
        ("I♥NY", "iny"),
        ("!!!", ""),
        ("", ""),
    ],
)
def test_description_examples(title, slug):
    assert slugify(title) == slug


@pytest.mark.parametrize(
    ("title", "slug"),
    [
        ("hello", "hello"),
        ("Top 10 Tips", "top-10-tips"),
        ("MiXeD CaSe", "mixed-case"),
        ("a  -  b", "a-b"),
        ("already-a-slug", "already-a-slug"),
        ("tabs\tand\nnewlines", "tabs-and-newlines"),
        ("  spaced out  ", "spaced-out"),
    ],
)
def test_plain_ascii(title, slug):
    assert slugify(title) == slug


@pytest.mark.parametrize(
    ("title", "slug"),
    [
        ("(Draft) notes", "draft-notes"),
        ("Why?", "why"),
        ("--edge--", "edge"),
    ],
)
def test_no_dash_at_edges(title, slug):
    assert slugify(title) == slug


@pytest.mark.parametrize(
    ("title", "slug"),
    [
        ("my_var_name", "my-var-name"),
        ("_private", "private"),
    ],
)
def test_underscore_separates(title, slug):
    assert slugify(title) == slug


@pytest.mark.parametrize(
    ("title", "slug"),
    [
        ("Ünïcödé", "unicode"),
        ("São Paulo", "sao-paulo"),
        ("ﬁnal", "final"),
    ],
)
def test_transliteration(title, slug):
    assert slugify(title) == slug


@pytest.mark.parametrize(
    ("title", "slug"),
    [
        ("東京 Tokyo", "tokyo"),
        ("Ωmega", "mega"),
    ],
)
def test_non_latin_dropped(title, slug):
    assert slugify(title) == slug


@pytest.mark.parametrize(
    ("title", "slug"),
    [
        ("Straße", "strae"),
        ("a→b", "ab"),
    ],
)
def test_dropped_character_is_not_a_separator(title, slug):
    assert slugify(title) == slug


@pytest.mark.parametrize(
    ("title", "max_length", "slug"),
    [
        ("hello world", 7, "hello-w"),
        ("hello world", 11, "hello-world"),
        ("hello world", 100, "hello-world"),
        ("abc", 1, "a"),
    ],
)
def test_truncation(title, max_length, slug):
    assert slugify(title, max_length) == slug


@pytest.mark.parametrize(
    ("title", "max_length", "slug"),
    [
        ("hello world", 6, "hello"),
        ("ab cd ef", 3, "ab"),
    ],
)
def test_truncation_leaves_no_trailing_dash(title, max_length, slug):
    assert slugify(title, max_length) == slug


def test_truncation_counts_slug_characters():
    assert slugify("  Hello   World  ", 8) == "hello-wo"


def test_default_max_length_is_40():
    assert slugify("x" * 50) == "x" * 40


def test_default_limit_applies_to_the_slug():
    title = "A -- B -- C -- D -- E -- F -- G -- H -- I -- J -- K"
    assert slugify(title) == "a-b-c-d-e-f-g-h-i-j-k"


def test_result_never_longer_than_max_length():
    for n in range(1, 30):
        result = slugify("The quick brown fox jumps over the lazy dog", n)
        assert len(result) <= n
        assert not result.endswith("-")


@pytest.mark.parametrize("max_length", [-5, -1])
def test_negative_max_length_rejected(max_length):
    with pytest.raises(ValueError):
        slugify("hello", max_length)


def test_zero_max_length_rejected():
    with pytest.raises(ValueError):
        slugify("hello", 0)


@pytest.mark.parametrize(
    ("title", "slug"),
    [
        ("\u0130stanbul", "istanbul"),
        ("Cafe\u0301 au lait", "cafe-au-lait"),
        ("\u212aelvin", "kelvin"),
    ],
)
def test_decomposed_and_dotted_letters(title, slug):
    assert slugify(title) == slug


@pytest.mark.parametrize(
    ("title", "slug"),
    [
        ("\uff21\uff22\uff23 \uff11\uff12", "abc-12"),
        ("x\u00b2 \u00bd", "x2-12"),
        ("\ufb01ne print", "fine-print"),
    ],
)
def test_compatibility_characters_become_plain(title, slug):
    assert slugify(title) == slug


@pytest.mark.parametrize(
    ("title", "slug"),
    [
        ("New\u00a0York", "new-york"),
        ("em\u2003space", "em-space"),
        ("\u6771\u4eac\u3000Tokyo", "tokyo"),
        ("zero\u200bwidth", "zerowidth"),
    ],
)
def test_unicode_spaces(title, slug):
    assert slugify(title) == slug


@pytest.mark.parametrize(
    ("title", "slug"),
    [
        ("Don't stop", "don-t-stop"),
        ("Don\u2019t stop", "dont-stop"),
        ("e\u2010mail", "email"),
        ("1990\u20132000", "19902000"),
        ("a \u2014 b", "a-b"),
    ],
)
def test_apostrophes_and_dashes(title, slug):
    assert slugify(title) == slug


@pytest.mark.parametrize(
    ("title", "slug"),
    [
        ("\u0131\u015f\u0131k", "sk"),
        ("\u0665\u0666 items", "items"),
    ],
)
def test_letters_and_digits_without_ascii_form_dropped(title, slug):
    assert slugify(title) == slug


@pytest.mark.parametrize(
    ("title", "slug"),
    [
        ("line\r\nbreak", "line-break"),
        ("\t\n\r", ""),
    ],
)
def test_ascii_whitespace_separates(title, slug):
    assert slugify(title) == slug


def test_true_counts_as_one():
    assert slugify("abc", True) == "a"


def test_huge_max_length():
    assert slugify("x" * 100, 10**30) == "x" * 100


@pytest.mark.parametrize("max_length", [0, False, -(10**30)])
def test_too_small_max_length_rejected_even_for_empty_title(max_length):
    with pytest.raises(ValueError):
        slugify("", max_length)
