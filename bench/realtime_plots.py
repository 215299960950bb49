"""The realtime benchmark's plots, drawn from its results beside the tables of BENCHMARKS.md.

- p99 against rate: Beacon and nchan (and Beacon before, when given) on the same axes, every run a line;
- fan-out: when the last of the users had the event, per run;
- CPU per idle re-poll, per run.

matplotlib (requirements/bench.txt) draws them as PNG files beside the report (BENCHMARKS.md's in
docs/benchmarks/), and the report links them.
"""

from pathlib import Path

from bench.facts import MAIN
from bench.realtime_figures import figure

COLOURS = {"nchan": "#2b8a3e", "beacon before": "#868e96", "beacon": "#1c7ed6"}


def require_matplotlib() -> None:
    """Fail at the start of a run, not after it, when plots cannot be drawn."""
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        raise SystemExit("the realtime bench draws plots with matplotlib: "
                         ".venv/bin/pip install -r requirements/bench.txt (or run it as `make bench`)") from None


def folder_for(report: Path) -> Path:
    """Where a report's plots go: docs/benchmarks/ for BENCHMARKS.md, else a folder beside the report."""
    report = report.resolve()
    if report == (MAIN / "BENCHMARKS.md").resolve():
        return MAIN / "docs" / "benchmarks"
    return report.parent / f"{report.stem}-plots"


def draw(results, report: Path) -> list[tuple[str, str]]:
    """Every plot the results have figures for: (title, its path relative to the report's folder)."""
    out = folder_for(report)
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out.mkdir(parents=True, exist_ok=True)
    series = _series(results)
    drawn = []
    for name, title, draw_one in (("realtime-p99-by-rate", "p99 latency against the rate asked", _p99_by_rate),
                                  ("realtime-fanout", "Fan-out: the last user has the event", _fanout),
                                  ("realtime-repoll-cpu", "Worker CPU per idle re-poll", _repoll_cpu)):
        fig, ax = plt.subplots(figsize=(7, 4), dpi=110)
        if not draw_one(ax, series, results["params"]):
            plt.close(fig)
            continue
        ax.set_title(title)
        ax.grid(True, which="both", alpha=0.3)
        fig.tight_layout()
        path = out / f"{name}.png"
        fig.savefig(path)
        plt.close(fig)
        drawn.append((title, str(path.relative_to(report.resolve().parent))))
    return drawn


def _series(results):
    """(label, runs) for each server line: nchan, Beacon before (when given), Beacon."""
    runs = results.get("runs", [])
    found = [("nchan", "nchan", runs)]
    before = results.get("before")
    if before:
        found.append(("beacon before", "beacon", before.get("runs", [])))
    found.append(("beacon", "beacon", runs))
    return found


def _p99_by_rate(ax, series, params) -> bool:
    any_line = False
    for label, kind, runs in series:
        for i, run in enumerate(runs, 1):
            steps = (figure(run, "delivery", kind) or {}).get("steps", [])
            points = [(s["rate"], s["p99_ms"]) for s in steps if s.get("p99_ms") is not None]
            if not points:
                continue
            xs, ys = zip(*points, strict=True)
            ax.plot(xs, ys, marker="o", color=COLOURS[label], alpha=0.85,
                    label=label if i == 1 else None)
            any_line = True
    if not any_line:
        return False
    ax.axhline(100, color="#e03131", linestyle="--", linewidth=1, label="clean: p99 < 100 ms")
    ax.axhline(10, color="#f08c00", linestyle=":", linewidth=1, label="target at 1,000/s: 10 ms")
    ax.set_yscale("log")
    ax.set_xlabel(f"events/s asked ({params.get('delivery_polls', 0):,} polls held)")
    ax.set_ylabel("p99 ms (log), from the delivery call")
    ax.legend(fontsize=8)
    return True


def _bars(ax, series, values_of, ylabel, target=None) -> bool:
    labels, values, colours = [], [], []
    for label, kind, runs in series:
        for i, run in enumerate(runs, 1):
            v = values_of(run, kind)
            if v is not None:
                labels.append(f"{label}\nrun {i}")
                values.append(v)
                colours.append(COLOURS[label])
    if not values:
        return False
    ax.bar(range(len(values)), values, color=colours)
    ax.set_xticks(range(len(values)), labels, fontsize=7)
    ax.set_ylabel(ylabel)
    for x, v in enumerate(values):
        ax.annotate(f"{v:.3g}", (x, v), ha="center", va="bottom", fontsize=7)
    if target is not None:
        ax.axhline(target[0], color="#f08c00", linestyle=":", linewidth=1, label=target[1])
        ax.legend(fontsize=8)
    return True


def _fanout(ax, series, params) -> bool:
    return _bars(ax, series, lambda run, kind: figure(run, "fanout", kind, "last_ms_median"),
                 f"ms until the last of {params.get('fanout_users', 0):,} has it\n(median of the trials)",
                 (150, "target: 150 ms"))


def _repoll_cpu(ax, series, params) -> bool:
    return _bars(ax, series, lambda run, kind: figure(run, "repoll", kind, "cpu_ms_per_repoll"),
                 "worker CPU ms per idle re-poll", (0.1, "target: 0.1 ms"))
