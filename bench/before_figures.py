"""The figures the before-and-after sections compare (bench/before.py), one ``{measure: cell}`` a run: the ones a
change to how notifications are stored moves."""

from bench.pipeline_report import _clean, _ms, _of_kind

PIPELINE_TITLE = "The pipeline before and after"
LIST_TITLE = "The notification list before and after"


def pipeline_code(results) -> str:
    """The commit a pipeline results file measured (without its "(uncommitted changes)" note)."""
    return results["meta"]["code"].split(" ")[0]


def list_code(results) -> str:
    return results["code"]


def pipeline(results) -> dict[str, str]:
    windows = results["windows"]
    return {**_steps(windows), **_burst(windows, results["params"]), **_big(windows)}


def _steps(windows) -> dict[str, str]:
    steps = [w for w in _of_kind(windows, "steps") if not w["naive"] and w["consumers"] == 1]
    if not steps:
        return {}
    best = max((w for w in steps if _clean(w)), key=lambda w: w["asked_rate"], default=None)
    figure = f"{best['asked_rate']:,}/s, p99 {_ms(best['p99_ms'])}" if best else "none"
    return {"highest clean sustained step (one consumer), its p99": figure}


def _burst(windows, p) -> dict[str, str]:
    w = next((w for w in _of_kind(windows, "burst") if not w["naive"] and w["consumers"] == 1
              and w.get("planned_actions", p["burst_actions"]) == p["burst_actions"]), None)
    if w is None:
        return {}
    cpu = w["cpu_seconds"]
    total = sum(cpu.values())
    rows = {
        f"burst of {p['burst_actions']} actions ({w['expected']:,} notifications): overall rate":
            f"{w['reached_rate'] or 0:,.0f}/s",
        "… event → stored p50 / p99": f"{_ms(w['p50_ms'])} / {_ms(w['p99_ms'])}",
        "… CPU of every process, per notification": f"{1000 * total / max(w['expected'], 1):.2f} ms",
    }
    postgres = [seconds for role, seconds in cpu.items() if role.startswith("PostgreSQL")]
    if postgres and total:
        rows["… PostgreSQL's share of that CPU"] = f"{100 * sum(postgres) / total:.0f} %"
    return rows


def _big(windows) -> dict[str, str]:
    big = _of_kind(windows, "big")
    if not big:
        return {}
    lasts = [w["max_ms"] for w in big if w["max_ms"] is not None]
    lost = sum(w["lost"] for w in big)
    return {
        f"one action on a {big[0]['expected']:,}-member group: the action":
            f"{_span([w['action_duration_ms'] for w in big])} ({len(big)} trials)",
        "… last stored and published": _span(lasts) + (f", {lost:,} lost" if lost else ""),
    }


def _span(values) -> str:
    if not values:
        return "–"
    low, high = min(values), max(values)
    return _ms(low) if low == high else f"{_ms(low).removesuffix(' ms')}–{_ms(high)}"


def notification_list(results) -> dict[str, str]:
    rows = {}
    for name, case in results["cases"].items():
        shown = name.replace("|", "\\|")
        rows[f"{shown}: median / p99"] = f"{case['median_ms']:.1f} / {case['p99_ms']:.1f} ms"
        sql = [q["execution_ms"] for q in case.get("sql", {}).get("on_notifications", [])
               if q.get("execution_ms") is not None]
        if sql:
            rows[f"{shown}: … its SQL on the notifications (EXPLAIN ANALYZE)"] = f"{sum(sql):.2f} ms"
    return rows
