"""Synthetic data for the embedded default, tests and benchmarks: generated people, never real ones."""
