import pytest
from csvline import parse_csv_line


@pytest.mark.parametrize(
    ("args", "fields"),
    [
        (("a,b,c",), ["a", "b", "c"]),
        (('"x, y",z',), ["x, y", "z"]),
        (('"say ""hi""",ok',), ['say "hi"', "ok"]),
        ((" a , b ",), [" a ", " b "]),
        (("a,,",), ["a", "", ""]),
        (("",), [""]),
        (('"",x',), ["", "x"]),
        (("1;2,5", ";"), ["1", "2,5"]),
    ],
)
def test_description_examples(args, fields):
    assert parse_csv_line(*args) == fields


def test_single_field():
    assert parse_csv_line("hello") == ["hello"]


def test_empty_fields_kept_everywhere():
    assert parse_csv_line(",a,,b,") == ["", "a", "", "b", ""]


def test_trailing_empty_field():
    assert parse_csv_line("a,") == ["a", ""]


def test_only_separators():
    assert parse_csv_line(",,") == ["", "", ""]


def test_trailing_empty_quoted_field():
    assert parse_csv_line('a,""') == ["a", ""]


def test_whitespace_preserved_in_unquoted_fields():
    assert parse_csv_line("  lead,trail  ,\tmid dle\t") == ["  lead", "trail  ", "\tmid dle\t"]


def test_whitespace_only_field():
    assert parse_csv_line("a, ,b") == ["a", " ", "b"]


def test_whitespace_preserved_in_quoted_fields():
    assert parse_csv_line('" padded ",x') == [" padded ", "x"]


def test_other_characters_are_ordinary():
    assert parse_csv_line("é,line\nbreak,\u00a0") == ["é", "line\nbreak", "\u00a0"]


def test_separator_inside_quotes():
    assert parse_csv_line('"a,b,c"') == ["a,b,c"]


def test_quoted_and_unquoted_mixed():
    assert parse_csv_line('1,"two, too",3') == ["1", "two, too", "3"]


def test_escaped_quote():
    assert parse_csv_line('"a""b"') == ['a"b']


def test_only_an_escaped_quote():
    assert parse_csv_line('""""') == ['"']


def test_empty_quoted_field():
    assert parse_csv_line('""') == [""]


def test_custom_separator():
    assert parse_csv_line("a;b;;c", ";") == ["a", "b", "", "c"]


def test_custom_separator_inside_quotes():
    assert parse_csv_line('"a;b";c', ";") == ["a;b", "c"]


def test_tab_separator():
    assert parse_csv_line("x\ty,z", "\t") == ["x", "y,z"]


def test_comma_is_plain_text_with_other_separator():
    assert parse_csv_line("a,b", "|") == ["a,b"]


@pytest.mark.parametrize("line", ['a"b', 'ab"', 'x,y"', '"a",b"c'])
def test_quote_in_unquoted_field_raises(line):
    with pytest.raises(ValueError):
        parse_csv_line(line)


@pytest.mark.parametrize("line", [' "a"', 'x, "y"'])
def test_space_before_quote_makes_field_unquoted(line):
    with pytest.raises(ValueError):
        parse_csv_line(line)


@pytest.mark.parametrize("line", ['"a"b', '"a" ,b', 'x,"y"z', '"a""b"c'])
def test_text_after_closing_quote_raises(line):
    with pytest.raises(ValueError):
        parse_csv_line(line)


@pytest.mark.parametrize("line", ['"abc', '"a""', 'x,"y', '"', '"a,b'])
def test_unterminated_quote_raises(line):
    with pytest.raises(ValueError):
        parse_csv_line(line)


@pytest.mark.parametrize("sep", ["", ";;", ", "])
def test_separator_must_be_one_character(sep):
    with pytest.raises(ValueError):
        parse_csv_line("a,b", sep)


@pytest.mark.parametrize("line", ["abc", ""])
def test_quote_separator_rejected(line):
    with pytest.raises(ValueError):
        parse_csv_line(line, '"')


def test_line_breaks_and_carriage_returns_are_ordinary():
    assert parse_csv_line("a\r\nb,c\r") == ["a\r\nb", "c\r"]


def test_line_breaks_inside_quotes():
    assert parse_csv_line('"x\ny",z') == ["x\ny", "z"]


def test_only_double_quote_quotes():
    assert parse_csv_line("'a,b'") == ["'a", "b'"]


def test_typographic_and_fullwidth_characters_are_ordinary():
    assert parse_csv_line("\u201ca,b\u201d,x\uff0cy") == ["\u201ca", "b\u201d", "x\uff0cy"]


def test_space_separator():
    assert parse_csv_line(' a  "b c"', " ") == ["", "a", "", "b c"]


def test_newline_separator():
    assert parse_csv_line('a\n"b\nc"\n', "\n") == ["a", "b\nc", ""]


def test_letter_separator():
    assert parse_csv_line("1x2x", "x") == ["1", "2", ""]


def test_non_ascii_separator():
    assert parse_csv_line('aé"b,é"é', "é") == ["a", "b,é", ""]


@pytest.mark.parametrize("sep", ["e\u0301", '""', "\r\n"])
def test_separator_of_several_code_points_rejected(sep):
    with pytest.raises(ValueError):
        parse_csv_line("a", sep)
