def parse_csv_line(line: str, sep: str = ",") -> list[str]:
    if sep == '"' or len(sep) != 1:
        raise ValueError("bad separator")
    fields = []
    pos = 0
    n = len(line)
    while True:
        if pos < n and line[pos] == '"':
            chunks = []
            pos += 1
            while True:
                close = line.find('"', pos)
                if close == -1:
                    raise ValueError("missing closing quote")
                chunks.append(line[pos:close])
                if line.startswith('"', close + 1):
                    chunks.append('"')
                    pos = close + 2
                else:
                    pos = close + 1
                    break
            fields.append("".join(chunks))
            if pos == n:
                return fields
            if line[pos] != sep:
                raise ValueError("text after closing quote")
            pos += 1
        else:
            end = line.find(sep, pos)
            if end == -1:
                end = n
            text = line[pos:end]
            if '"' in text:
                raise ValueError("stray quote")
            fields.append(text)
            if end == n:
                return fields
            pos = end + 1
