def parse_csv_line(line: str, sep: str = ",") -> list[str]:
    if len(sep) != 1 or sep == '"':
        raise ValueError("sep must be a single character other than '\"'")
    fields = []
    field = []
    state = "start"  # start | unquoted | quoted | closed
    i = 0
    while i < len(line):
        ch = line[i]
        if state == "quoted":
            if ch == '"':
                if i + 1 < len(line) and line[i + 1] == '"':
                    field.append('"')
                    i += 2
                    continue
                state = "closed"
            else:
                field.append(ch)
        elif ch == sep:
            fields.append("".join(field))
            field = []
            state = "start"
        elif state == "closed":
            raise ValueError(f"unexpected {ch!r} after a closing quote at position {i}")
        elif ch == '"':
            if state != "start":
                raise ValueError(f"quote inside an unquoted field at position {i}")
            state = "quoted"
        else:
            field.append(ch)
            state = "unquoted"
        i += 1
    if state == "quoted":
        raise ValueError("unterminated quoted field")
    fields.append("".join(field))
    return fields
