"""One settings object for the whole hub, read from ``HUB_*`` environment variables.

Nothing else in the code base reads ``os.environ`` for hub configuration (OpenTelemetry's own
``OTEL_*`` variables are read by the SDK itself).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from hub.core.errors import ConfigurationError

ENVIRONMENTS = ("development", "production", "test")


@dataclass(frozen=True)
class QueryLimits:
    max_depth: int = 10
    max_aliases: int = 30
    max_tokens: int = 2000
    max_characters: int = 20_000
    max_cost: int = 50_000
    max_first: int = 500
    max_batch: int = 5
    max_body_bytes: int = 100_000
    timeout_seconds: float = 10.0
    #: ten times the largest page the default cost limit admits (~360 KB); an attack once returned 35 MB
    max_response_bytes: int = 5_000_000


@dataclass(frozen=True)
class Settings:
    data_dir: Path = Path("data")
    environment: str = "development"
    agency_urls: Mapping[str, str] = field(default_factory=dict)
    index_url: str = ""
    audit_url: str = ""
    policy_dir: Path | None = None
    host: str = "127.0.0.1"
    port: int = 8000
    seed_people: int = 500
    seed: int = 20261124
    jwt_issuer: str = "hub-dev"
    jwt_audience: str = "partnership-hub"
    jwt_public_key_file: Path | None = None
    jwt_jwks_url: str | None = None
    #: the secret the audit's variables digest is keyed with (production must set it; see audit/digest.py)
    audit_digest_key_file: Path | None = None
    #: introspection is only ever open to authenticated callers; this turns it off for them too
    introspection: bool = True
    persisted_operations: Path | None = None
    #: "postgresql": replicas share policy versions through the index database (LISTEN/NOTIFY)
    policy_sync: str = ""
    strict_persisted_operations: bool = False
    audit_checkpoint_every: int = 1000
    #: seconds a member of staff's caseload is reused between requests (0: load it every time)
    caseload_ttl_seconds: float = 30.0
    #: apply the hub's own stores' migrations at start-up; false: refuse to start on an old schema
    migrate_on_start: bool = True
    #: a span per resolver of agency data, on top of the grouped ones (for diagnosing a slow query)
    trace_resolvers: bool = False
    #: a serving process freezes its start-up heap and collects generation 0 every this many
    #: allocations (0: the interpreter's defaults); see hub/web/collector.py
    gc_threshold: int = 50_000
    limits: QueryLimits = field(default_factory=QueryLimits)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        e = os.environ if env is None else env
        data_dir = Path(e.get("HUB_DATA_DIR", "data"))
        environment = e.get("HUB_ENV", "development")
        if environment not in ENVIRONMENTS:
            raise ConfigurationError(f"HUB_ENV must be one of {', '.join(ENVIRONMENTS)}")
        # Every HUB_<NAME>_DB but the hub's own stores names an agency's database (checked against the registry).
        urls = {k[4:-3].lower(): v for k, v in e.items()
                if k.startswith("HUB_") and k.endswith("_DB") and k not in ("HUB_INDEX_DB", "HUB_AUDIT_DB") and v}
        limits = QueryLimits(
            **{
                name: type(getattr(QueryLimits, name))(e[f"HUB_LIMIT_{name.upper()}"])
                for name in QueryLimits.__dataclass_fields__
                if f"HUB_LIMIT_{name.upper()}" in e
            }
        )
        policy_dir = e.get("HUB_POLICY_DIR")
        key_file = e.get("HUB_JWT_PUBLIC_KEY_FILE")
        digest_key_file = e.get("HUB_AUDIT_DIGEST_KEY_FILE")
        try:
            port = int(e.get("HUB_PORT", "8000"))
            seed_people = int(e.get("HUB_SEED_PEOPLE", "500"))
            seed = int(e.get("HUB_SEED", "20261124"))
            checkpoint_every = int(e.get("HUB_AUDIT_CHECKPOINT_EVERY", "1000"))
            caseload_ttl = float(e.get("HUB_CASELOAD_TTL_SECONDS", "30"))
            gc_threshold = int(e.get("HUB_GC_THRESHOLD", "50000"))
        except ValueError as exc:
            raise ConfigurationError(f"a numeric HUB_* setting is not a number: {exc}") from exc
        s = cls(
            data_dir=data_dir,
            environment=environment,
            agency_urls=urls,
            index_url=e.get("HUB_INDEX_DB", ""),
            audit_url=e.get("HUB_AUDIT_DB", ""),
            policy_dir=Path(policy_dir) if policy_dir else None,
            host=e.get("HUB_HOST", "127.0.0.1"),
            port=port,
            seed_people=seed_people,
            seed=seed,
            jwt_issuer=e.get("HUB_JWT_ISSUER", "hub-dev"),
            jwt_audience=e.get("HUB_JWT_AUDIENCE", "partnership-hub"),
            jwt_public_key_file=Path(key_file) if key_file else None,
            jwt_jwks_url=e.get("HUB_JWT_JWKS_URL") or None,
            audit_digest_key_file=Path(digest_key_file) if digest_key_file else None,
            introspection=e.get("HUB_INTROSPECTION", "true").lower() != "false",
            policy_sync=e.get("HUB_POLICY_SYNC", ""),
            persisted_operations=Path(e["HUB_PERSISTED_OPERATIONS"]) if e.get("HUB_PERSISTED_OPERATIONS") else None,
            strict_persisted_operations=e.get("HUB_STRICT_PERSISTED_OPERATIONS", "false").lower()
            == "true",
            audit_checkpoint_every=checkpoint_every,
            caseload_ttl_seconds=caseload_ttl,
            migrate_on_start=e.get("HUB_MIGRATE_ON_START", "true").lower() != "false",
            trace_resolvers=e.get("HUB_TRACE_RESOLVERS", "false").lower() == "true",
            gc_threshold=gc_threshold,
            limits=limits,
        )
        if s.policy_sync not in ("", "postgresql"):
            raise ConfigurationError("HUB_POLICY_SYNC must be empty or postgresql")
        return s.with_defaults()

    def with_defaults(self) -> Settings:
        """Fill unset store URLs with SQLite files under the data folder."""
        return replace(
            self,
            index_url=self.index_url or self._sqlite("index.db"),
            audit_url=self.audit_url or self._sqlite("audit.db"),
        )

    def agency_url(self, name: str) -> str:
        """The database of agency ``name``: ``HUB_<NAME>_DB``, else a SQLite file under the data folder."""
        return self.agency_urls.get(name) or self._sqlite(f"{name}.db")

    def _sqlite(self, name: str) -> str:
        return f"sqlite+aiosqlite:///{(self.data_dir / name).resolve()}"

    @property
    def development(self) -> bool:
        return self.environment == "development"

    @property
    def keys_dir(self) -> Path:
        return self.data_dir / "keys"


def check_data_dir(settings: Settings) -> None:
    d = settings.data_dir
    try:
        d.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigurationError(f"data folder {d} cannot be created: {exc.strerror}") from exc
    if not os.access(d, os.R_OK | os.W_OK | os.X_OK):
        raise ConfigurationError(f"data folder {d} is not readable and writable by this user")
