"""What bench/graph_drawing.py's report says of GRAPH_MAX_NODES, from the figures of each size."""

from bench.graph_drawing import render, verdict

LIMITS = {"nodes": 2_000, "edges": 4_000}


def loads(ready_ms: float, pan_ms: float) -> list[dict]:
    row = {"ready_ms": ready_ms, "pan_ms": pan_ms, "longest_ms": 0.0, "blocked_ms": 0.0, "long_tasks": 0}
    return [row, row, row]


def test_the_biggest_interactive_size_is_named_and_the_limit_found_within_it():
    results = {1_000: loads(600, 50), 2_000: loads(1_000, 90), 5_000: loads(2_000, 250)}

    text = verdict(results, LIMITS)

    assert text.startswith("**Biggest interactive size: 2,000 nodes**")
    assert "5,000 is not" in text and "The configured GRAPH_MAX_NODES, 2,000, is within it." in text


def test_a_limit_above_the_biggest_interactive_size_is_called_out():
    text = verdict({1_000: loads(600, 50), 5_000: loads(4_000, 250)}, {"nodes": 5_000, "edges": 10_000})

    assert "**The configured GRAPH_MAX_NODES, 5,000, is above it.**" in text


def test_a_small_size_failing_below_a_passing_one_asks_for_a_quiet_machine():
    text = verdict({1_000: loads(600, 150), 2_000: loads(1_000, 90)}, LIMITS)

    assert "But 1,000 failed below it: re-run on a quiet machine." in text


def test_no_interactive_size_at_all_says_so():
    assert verdict({1_000: loads(600, 150)}, LIMITS).startswith("**No size tried is interactive**")


def test_the_table_marks_each_size(monkeypatch):
    monkeypatch.setattr("bench.facts.code_state", lambda: "abc1234")

    table = render({1_000: loads(600, 50), 5_000: loads(2_000, 250)}, LIMITS, "python -m bench graph", 60.0)

    assert "| 1,000 | 600 ms (600–600) |" in table and table.count("| yes |") == 1 and table.count("| no |") == 1
