"""Beacon's long-poll benchmark against nginx + nchan: ``python -m bench`` (see BENCHMARKS.md)."""
