"""The stores governance needs, shared by the request pipeline and the GraphQL layer."""

from __future__ import annotations

from dataclasses import dataclass

from audit.digest import VariablesDigest
from hub.web.audit_sink import AuditSink
from hub.web.auth import Authenticator
from policies.pg_sync import PostgresPolicySync
from policies.store import PolicyStore


@dataclass
class Governance:
    policies: PolicyStore
    authenticator: Authenticator
    audit: AuditSink
    #: keys the audit record's digest of each request's variables
    digest: VariablesDigest
    #: shares policy versions between replicas; None for a single process
    sync: PostgresPolicySync | None = None
