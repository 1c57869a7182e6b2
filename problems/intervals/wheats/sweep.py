def merge_intervals(intervals):
    if any(lo > hi for lo, hi in intervals):
        raise ValueError("an interval has start > end")
    # Plain ints in the result, even for bool endpoints.
    ordered = sorted(((int(lo), int(hi)) for lo, hi in intervals), key=lambda pair: pair[0])
    result = []
    i = 0
    while i < len(ordered):
        lo, hi = ordered[i]
        j = i + 1
        while j < len(ordered) and ordered[j][0] <= hi:
            hi = max(hi, ordered[j][1])
            j += 1
        result.append((lo, hi))
        i = j
    return result
