"""The audit trail: one hash-chained, signed record per request, and the tools IG reads it with."""
