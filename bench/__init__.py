"""Benchmarks: the hub against the bare framework, policy decisions, the audit store."""
