"""Reproducible benchmarks: they print numbers and write bench/results.json, never pass or fail."""
