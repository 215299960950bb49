"""The realtime benchmark's figures, read out of its results and written as the report writes them."""

KINDS = ("beacon", "nchan")  # the servers, in the report's order


def number(v, digits=1) -> str:
    return "—" if v is None else f"{v:,.{digits}f}"


def spread(values, digits=1, unit=""):
    """All runs: 'min–max (run 1 / run 2 / run 3)'; one run: its value. Never the best run alone."""
    shown = [None if v is None else round(v, digits) for v in values]
    if not shown:
        return "—"

    def fmt(v):
        return "—" if v is None else f"{v:,.{digits}f}{unit}"

    if len(shown) == 1:
        return fmt(shown[0])
    present = [v for v in shown if v is not None]
    if not present:
        return "—"
    lo, hi = min(present), max(present)
    rng = fmt(lo) if lo == hi else f"{fmt(lo)}–{fmt(hi)}"
    return f"{rng} ({' / '.join(fmt(v) for v in shown)})"


def figure(run, scenario, kind, *keys):
    """``run[scenario][kind][key]...``, or None where any of it is missing."""
    v = run.get(scenario, {}).get(kind)
    for k in keys:
        if v is None:
            return None
        v = v.get(k) if isinstance(v, dict) else None
    return v


def ran(runs, scenario) -> bool:
    """Whether any run has figures of ``scenario``."""
    return any(r.get(scenario) for r in runs)


def step_at(run, kind, rate):
    """The delivery step of ``kind`` at ``rate`` in one run, or None."""
    d = figure(run, "delivery", kind)
    return next((s for s in (d or {}).get("steps", []) if s["rate"] == rate), None)


def each_server(runs, scenario):
    """(run number, server, its figures) for every run and server that ran ``scenario``, in the report's order."""
    for i, run in enumerate(runs, 1):
        for kind in KINDS:
            figures = figure(run, scenario, kind)
            if figures:
                yield i, kind, figures


def gc_longest(step):
    """The longest pass the probe logged in the step (0.0: none as long as it logs from); failing that,
    the upper bound of its bucket in the worker's own histogram."""
    if not step:
        return None
    gc = step.get("gc")
    if gc is not None:
        return gc["longest_ms"]
    metric = step.get("gc_metric")
    return None if metric is None else metric["longest_at_most_ms"]


def gc_text(step, digits=1):
    v = gc_longest(step)
    if v is None:
        return "—"
    if step.get("gc") is not None and v < step["gc"]["logged_from_ms"]:
        return f"< {step['gc']['logged_from_ms']:g}"
    return f"{v:,.{digits}f}" if step.get("gc") is not None else f"≤ {v:g}"


def wake_p99(step):
    wake = (step or {}).get("wakeup_to_answer")
    if not wake or not wake.get("count"):
        return "—"
    if wake["p99_at_most_ms"] is None:
        return f"> {wake['last_bound_ms']:,.0f}"
    return f"{wake['p99_at_most_ms']:,.1f}"


def best_rate_text(runs, kind):
    vals = [figure(r, "delivery", kind, "best_rate") for r in runs]
    if not any(figure(r, "delivery", kind) for r in runs):
        return "—"
    top = max((max(figure(r, "delivery", kind, "tested") or [0]) for r in runs), default=0)
    parts = ["none" if v is None else (f"≥ {v:,}/s" if v == top else f"{v:,}/s") for v in vals]
    same = len(set(parts)) == 1
    return f"{parts[0]} ({len(runs)} of {len(runs)} runs)" if same and len(runs) > 1 else " / ".join(parts)
