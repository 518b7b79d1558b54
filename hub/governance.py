"""The stores governance needs, shared by the request pipeline and the GraphQL layer."""

from __future__ import annotations

from dataclasses import dataclass

from hub.auth import Authenticator
from hub.http.audit_sink import AuditSink
from policies.pg_sync import PostgresPolicySync
from policies.store import PolicyStore


@dataclass
class Governance:
    policies: PolicyStore
    authenticator: Authenticator
    audit: AuditSink
    #: shares policy versions between replicas; None for a single process
    sync: PostgresPolicySync | None = None
