"""Queries over a store: plain functions returning frozen dataclasses (matching, coverage, brokering)."""
