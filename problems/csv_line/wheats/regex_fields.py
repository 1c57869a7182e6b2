import re


def parse_csv_line(line, sep=","):
    if not isinstance(sep, str) or len(sep) != 1 or sep == '"':
        raise ValueError("invalid separator")
    s = re.escape(sep)
    field_re = re.compile(r'"((?:[^"]|"")*)"(?=%s|\Z)|([^"%s]*)(?=%s|\Z)' % (s, s, s))
    fields = []
    pos = 0
    while True:
        match = field_re.match(line, pos)
        if match is None:
            raise ValueError(f"malformed field at position {pos}")
        quoted, plain = match.groups()
        fields.append(quoted.replace('""', '"') if quoted is not None else plain)
        pos = match.end()
        if pos == len(line):
            return fields
        pos += 1  # the lookahead guarantees that a separator is here
