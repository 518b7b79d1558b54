"""One settings object for the whole hub, read from ``HUB_*`` environment variables.

Nothing else in the code base reads ``os.environ`` for hub configuration (OpenTelemetry's own
``OTEL_*`` variables are read by the SDK itself). Each field's default is written once, here;
pydantic-settings maps ``HUB_<FIELD>`` onto it and converts the value, and any value it cannot
take is a ``ConfigurationError`` naming the variable (never the value: a database URL may hold a
password). An empty variable counts as unset.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from pydantic.fields import FieldInfo
from pydantic_core import ErrorDetails
from pydantic_settings import BaseSettings, EnvSettingsSource, PydanticBaseSettingsSource, SettingsConfigDict
from pydantic_settings import SettingsError as SourceError

from hub.core.errors import ConfigurationError

PREFIX = "HUB_"
#: ``HUB_<NAME>_DB``: a store's URL; these two are the hub's own stores, every other one an agency's
_STORE_URL = re.compile(r"^HUB_(?P<name>[A-Z0-9_]+)_DB$", re.IGNORECASE)
_OWN_STORES = frozenset({"index", "audit"})


class QueryLimits(BaseModel):
    """``HUB_LIMIT_<FIELD>``, e.g. ``HUB_LIMIT_MAX_DEPTH=12``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

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


def project_data_dir() -> Path:
    """The data folder of the source tree the hub runs from (next to its pyproject.toml), so that
    ``hub token`` run from another folder signs with the keys the running hub has; ./data otherwise."""
    project = Path(__file__).resolve().parents[2]
    if (project / "pyproject.toml").is_file() and (project / "hub" / "core").is_dir():
        return project / "data"
    return Path("data")


class Settings(BaseSettings):
    """Immutable: derive a variant with ``settings.model_copy(update={...})``."""

    model_config = SettingsConfigDict(
        env_prefix=PREFIX, env_ignore_empty=True, frozen=True, populate_by_name=True,
        # HUB_LIMIT_MAX_DEPTH -> limits.max_depth: one nesting level, split at the first "_" after HUB_LIMIT
        env_nested_delimiter="_", env_nested_max_split=1,
    )

    data_dir: Path = Field(default_factory=project_data_dir)
    environment: Literal["development", "production", "test"] = Field(default="development", validation_alias="HUB_ENV")
    #: explicit ``HUB_<NAME>_DB`` overrides only, keyed by lower-cased NAME; see ``agency_url``
    agency_urls: Mapping[str, str] = Field(default_factory=dict)
    #: the database of every agency without a ``HUB_<NAME>_DB`` of its own; ``{agency}`` stands for its name
    #: (a demo or test server holding all the agencies' databases); empty: SQLite files under the data folder
    agency_db_template: str = ""
    index_url: str = Field(default="", validation_alias="HUB_INDEX_DB")
    audit_url: str = Field(default="", validation_alias="HUB_AUDIT_DB")
    policy_dir: Path | None = None
    #: a candidate policy directory judged beside the live one on real traffic, releasing nothing
    #: (hub/web/shadow.py); empty: no shadow
    policy_shadow: Path | None = None
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
    policy_sync: Literal["", "postgresql"] = ""
    strict_persisted_operations: bool = False
    audit_checkpoint_every: int = 1000
    #: a signed checkpoint at least this often while the trail grows (and once after start-up)
    audit_checkpoint_seconds: float = 60.0
    #: where checkpoints are witnessed, outside the audit database: a directory (empty: ``witness`` under
    #: the data folder; put it on other storage). See audit/witness.py.
    audit_witness: str = ""
    #: seconds a member of staff's caseload is reused between requests (0: load it every time)
    caseload_ttl_seconds: float = 30.0
    #: seconds each measure's protected count table is reused before it is worked out again (0: every time)
    counts_ttl_seconds: float = 300.0
    #: apply the hub's own stores' migrations at start-up; false: refuse to start on an old schema
    migrate_on_start: bool = True
    #: a span per resolver of agency data, on top of the grouped ones (for diagnosing a slow query)
    trace_resolvers: bool = False
    #: a serving process freezes its start-up heap and collects generation 0 every this many
    #: allocations (0: the interpreter's defaults); see hub/web/collector.py
    gc_threshold: int = 50_000
    #: the browser origins (``scheme://host[:port]``, comma-separated) whose pages may call the hub;
    #: empty: no cross-origin access
    cors_origins: str = ""
    #: minutes an information governance console sign-in lasts (hub/web/console)
    console_session_minutes: int = Field(default=30, ge=1, le=720)
    #: the trace UI's page for one trace, ``{trace_id}`` standing for its id (Jaeger:
    #: ``https://jaeger.example/trace/{trace_id}``); empty: the console shows trace ids unlinked
    trace_ui_url: str = ""
    #: replicas share one event stream on NATS JetStream (``nats://host:4222``, hub/events/broker.py); empty:
    #: each process reads the agencies' outboxes itself (the embedded default)
    events_broker: str = ""
    limits: QueryLimits = Field(default_factory=QueryLimits, validation_alias="HUB_LIMIT")

    @classmethod
    def settings_customise_sources(
        cls, settings_cls: type[BaseSettings], init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource, dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # ``Settings(...)`` is exactly its arguments; the environment is read by ``from_env`` alone.
        return (init_settings,)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """The settings the ``HUB_*`` variables in ``env`` (default: the process environment) give."""
        environ = os.environ if env is None else env
        try:
            values = HubEnvironment(cls, environ)()
        except SourceError as exc:  # a structured value (e.g. HUB_AGENCY_URLS) that is not JSON
            raise ConfigurationError(f"a HUB_* setting cannot be read: {exc}") from None
        values["agency_urls"] = agency_overrides(environ)
        try:
            settings = cls.model_validate(values)
        except ValidationError as exc:
            raise ConfigurationError("; ".join(_problem(e) for e in exc.errors())) from None
        return settings.with_defaults()

    def with_defaults(self) -> Settings:
        """Fill the hub's own unset store URLs with SQLite files under the data folder."""
        return self.model_copy(update={"index_url": self.index_url or self._sqlite("index"),
                                       "audit_url": self.audit_url or self._sqlite("audit")})

    def agency_url(self, name: str) -> str:
        """The agency's ``HUB_<NAME>_DB`` if set, else ``HUB_AGENCY_DB_TEMPLATE`` for it, else its SQLite file
        under the data folder."""
        if name in self.agency_urls:
            return self.agency_urls[name]
        if self.agency_db_template:
            return self.agency_db_template.replace("{agency}", name)
        return self._sqlite(name)

    def _sqlite(self, name: str) -> str:
        return f"sqlite+aiosqlite:///{(self.data_dir / f'{name}.db').resolve()}"

    @property
    def development(self) -> bool:
        return self.environment == "development"

    @property
    def keys_dir(self) -> Path:
        return self.data_dir / "keys"


class HubEnvironment(EnvSettingsSource):
    """pydantic-settings' environment source over a given mapping instead of ``os.environ``."""

    def __init__(self, settings_cls: type[BaseSettings], environ: Mapping[str, str]) -> None:
        super().__init__(settings_cls)
        # as the library keys them: case-insensitive names (lower-cased), empty values left out
        self.env_vars = {k.lower(): v for k, v in environ.items() if v != ""}

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        if field_name == "agency_urls":  # not one variable: every HUB_<NAME>_DB (agency_overrides)
            return None, field_name, False
        return super().get_field_value(field, field_name)


def agency_overrides(environ: Mapping[str, str]) -> dict[str, str]:
    """Every non-empty ``HUB_<NAME>_DB`` but the hub's own stores, keyed by the lower-cased NAME."""
    found = {m["name"].lower(): url for key, url in environ.items() if url and (m := _STORE_URL.match(key))}
    return {name: url for name, url in found.items() if name not in _OWN_STORES}


def _problem(error: ErrorDetails) -> str:
    """One invalid value as the variable that carried it and what it must be (never the value itself)."""
    return f"{variable(*(str(part) for part in error['loc']))} {_must(error)}"


def variable(field: str, *nested: str) -> str:
    """The environment variable a setting is read from: ``variable("limits", "max_depth")`` is
    ``HUB_LIMIT_MAX_DEPTH``."""
    info = Settings.model_fields.get(field)
    if info is None:  # pydantic names a field read through an alias by the alias: the variable itself
        head = field
    else:
        head = info.validation_alias if isinstance(info.validation_alias, str) else PREFIX + field
    return "_".join(part.upper() for part in (head, *nested))


def _must(error: ErrorDetails) -> str:
    kind, ctx = error["type"], error.get("ctx", {})
    if kind in ("int_parsing", "float_parsing", "int_from_float"):
        return "is not a number"
    if kind == "bool_parsing":
        return "must be true or false"
    if kind == "literal_error":
        return f"must be one of {_choices(ctx)}"
    if kind == "extra_forbidden":
        return "is not a setting the hub knows"
    return f"is not valid: {error['msg']}"


def _choices(ctx: Mapping[str, Any]) -> str:
    return str(ctx.get("expected", "")).replace("''", "empty").replace("'", "")


def check_data_dir(settings: Settings) -> None:
    d = settings.data_dir
    try:
        d.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigurationError(f"data folder {d} cannot be created: {exc.strerror}") from exc
    if not os.access(d, os.R_OK | os.W_OK | os.X_OK):
        raise ConfigurationError(f"data folder {d} is not readable and writable by this user")
