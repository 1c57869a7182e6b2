import pytest
from roman import roman_to_int

UNITS = ["", "I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX"]
TENS = ["", "X", "XX", "XXX", "XL", "L", "LX", "LXX", "LXXX", "XC"]
HUNDREDS = ["", "C", "CC", "CCC", "CD", "D", "DC", "DCC", "DCCC", "CM"]
THOUSANDS = ["", "M", "MM", "MMM"]


def spell(n):
    return THOUSANDS[n // 1000] + HUNDREDS[n // 100 % 10] + TENS[n // 10 % 10] + UNITS[n % 10]


@pytest.mark.parametrize(
    ("text", "value"),
    [("XIV", 14), ("MCMXCIV", 1994), ("MMMCMXCIX", 3999)],
)
def test_description_examples(text, value):
    assert roman_to_int(text) == value


def test_description_invalid_example():
    with pytest.raises(ValueError):
        roman_to_int("IIII")


@pytest.mark.parametrize(
    ("text", "value"),
    [("I", 1), ("V", 5), ("X", 10), ("L", 50), ("C", 100), ("D", 500), ("M", 1000)],
)
def test_single_symbols(text, value):
    assert roman_to_int(text) == value


@pytest.mark.parametrize("digit", range(1, 10))
def test_units(digit):
    assert roman_to_int(UNITS[digit]) == digit


@pytest.mark.parametrize("digit", range(1, 10))
def test_tens(digit):
    assert roman_to_int(TENS[digit]) == 10 * digit


@pytest.mark.parametrize("digit", range(1, 10))
def test_hundreds(digit):
    assert roman_to_int(HUNDREDS[digit]) == 100 * digit


@pytest.mark.parametrize("digit", range(1, 4))
def test_thousands(digit):
    assert roman_to_int(THOUSANDS[digit]) == 1000 * digit


@pytest.mark.parametrize(
    ("text", "value"),
    [("XLII", 42), ("XCIX", 99), ("CDXLIV", 444), ("DCCCLXXXVIII", 888), ("MMXXIV", 2024), ("MMMCCCXXXIII", 3333)],
)
def test_mixed_numerals(text, value):
    assert roman_to_int(text) == value


def test_every_number_from_1_to_3999():
    for n in range(1, 4000):
        assert roman_to_int(spell(n)) == n


@pytest.mark.parametrize("text", ["IC", "IL", "ID", "IM", "XD", "XM", "VX", "VL", "LC", "DM"])
def test_invalid_subtractive_pairs(text):
    with pytest.raises(ValueError):
        roman_to_int(text)


@pytest.mark.parametrize("text", ["IIII", "XXXX", "CCCC", "VV", "LL", "DD", "XIIII", "XXXXI"])
def test_too_many_repeats(text):
    with pytest.raises(ValueError):
        roman_to_int(text)


@pytest.mark.parametrize("text", ["MMMM", "MMMMI", "MMMMCMXCIX"])
def test_above_3999(text):
    with pytest.raises(ValueError):
        roman_to_int(text)


@pytest.mark.parametrize("text", ["IIX", "VIV", "IXI", "IVI", "XCX", "CMCM", "CDC", "IXX", "VIIII", "LXL"])
def test_non_canonical_spellings(text):
    with pytest.raises(ValueError):
        roman_to_int(text)


def test_empty_string():
    with pytest.raises(ValueError):
        roman_to_int("")


@pytest.mark.parametrize("text", ["xiv", "Xiv", "i", "mcmxciv"])
def test_lowercase_rejected(text):
    with pytest.raises(ValueError):
        roman_to_int(text)


@pytest.mark.parametrize("text", [" XIV", "XIV ", "\tX", "X V", " "])
def test_spaces_rejected(text):
    with pytest.raises(ValueError):
        roman_to_int(text)


@pytest.mark.parametrize("text", ["XIV\n", "I\n", "\n"])
def test_trailing_newline_rejected(text):
    with pytest.raises(ValueError):
        roman_to_int(text)


@pytest.mark.parametrize("text", ["A", "4", "X-V", "XIVZ", "\u216b"])
def test_other_characters_rejected(text):
    with pytest.raises(ValueError):
        roman_to_int(text)


@pytest.mark.parametrize(
    "text",
    ["\u2167", "\u2160", "\u2169\u2163", "\u216b", "\u2170", "\u2173", "X\u2163", "\u216f"],
)
def test_unicode_roman_numeral_characters_rejected(text):
    with pytest.raises(ValueError):
        roman_to_int(text)


@pytest.mark.parametrize("text", ["\uff38\uff29\uff36", "\uff29", "X\uff29V", "\uff4d"])
def test_fullwidth_letters_rejected(text):
    with pytest.raises(ValueError):
        roman_to_int(text)


@pytest.mark.parametrize("text", ["\u0665", "\uff14", "\u00b2", "1", "14"])
def test_digits_of_any_script_rejected(text):
    with pytest.raises(ValueError):
        roman_to_int(text)


@pytest.mark.parametrize(
    "text",
    ["XIV\t", "\nXIV", "XIV\r\n", "XIV\r", "\u00a0XIV", "XIV\u00a0", "X\u00a0IV", "\u2003XIV", "XIV\u3000"],
)
def test_whitespace_of_any_kind_rejected(text):
    with pytest.raises(ValueError):
        roman_to_int(text)


@pytest.mark.parametrize("text", ["mmmcmxcix", "Mcm", "mCM", "xIV", "IIi"])
def test_any_lowercase_letter_rejected(text):
    with pytest.raises(ValueError):
        roman_to_int(text)
