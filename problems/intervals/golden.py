from operator import index


def _plain(intervals):
    """The intervals with plain int endpoints: True and False become 1 and 0."""
    return [(index(start), index(end)) for start, end in intervals]


def merge_intervals(intervals: list[tuple[int, int]]) -> list[tuple[int, int]]:
    for start, end in intervals:
        if start > end:
            raise ValueError(f"invalid interval ({start}, {end}): start > end")
    merged: list[tuple[int, int]] = []
    for start, end in sorted(_plain(intervals)):
        if merged and start <= merged[-1][1]:
            last_start, last_end = merged[-1]
            merged[-1] = (last_start, max(last_end, end))
        else:
            merged.append((start, end))
    return merged
