"""The statistics the benches compute alike."""


def percentile(sorted_values, q):
    """The value at quantile ``q`` (0 to 1) of ``sorted_values``, the nearest rank; None when there are none."""
    if not sorted_values:
        return None
    return sorted_values[min(len(sorted_values) - 1, int(round(q * (len(sorted_values) - 1))))]
