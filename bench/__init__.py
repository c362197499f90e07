"""Benchmarks: each module measures one thing and rewrites its own section of BENCHMARKS.md."""
