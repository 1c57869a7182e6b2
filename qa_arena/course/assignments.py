"""The repository course's assignments: which problems each one holds, in order."""

ASSIGNMENTS = {
    "ps1-basics": ["leap_year", "clamp", "durations", "split_bill"],
    "ps2-strings": ["slugify", "word_count", "roman", "csv_line"],
    "ps3-parsing": ["semver", "add_months", "business_days"],
    "ps4-state": ["intervals", "inventory", "turnstile", "rate_limiter"],
}
