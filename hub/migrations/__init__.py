"""Alembic migrations for the hub's own stores (the person index, the audit trail).

The agencies' databases are theirs: connectors read them and the hub never migrates them.
Each store has its own script directory and version table, so the stores can live in one
PostgreSQL database or several.
"""
