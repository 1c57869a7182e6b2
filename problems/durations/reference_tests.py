import pytest
from durations import parse_duration


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("45s", 45),
        ("1h", 3600),
        ("1h30m", 5400),
        ("2h5s", 7205),
        ("07m", 420),
        ("90m", 5400),
        ("0s", 0),
        ("1h1m1s", 3661),
        (" 2h5s ", 7205),
        ("\t3m\t", 180),
    ],
)
def test_valid(text, seconds):
    assert parse_duration(text) == seconds


@pytest.mark.parametrize(
    "text",
    ["", "   ", "h", "15", "1h30", "5s2h", "1m1m", "1h 30m", "1H", "5d", "-5s", "+5s", "1.5h",
     "\u0665s", "\uff11m", "\u00b2h", "\n45s"],
)
def test_invalid(text):
    with pytest.raises(ValueError):
        parse_duration(text)
