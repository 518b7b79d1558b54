"""Settings from ``HUB_*`` variables: defaults written once, values converted, bad ones named clearly."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from hub.core.errors import ConfigurationError
from hub.core.settings import QueryLimits, Settings

SECRET_URL = "postgresql+asyncpg://hub:s3cret-password@db/police"


def test_an_empty_environment_gives_the_defaults_with_sqlite_stores_under_the_data_folder(tmp_path: Path) -> None:
    s = Settings.from_env({"HUB_DATA_DIR": str(tmp_path)})
    assert s.model_dump(exclude={"data_dir", "index_url", "audit_url"}) == \
        Settings().model_dump(exclude={"data_dir", "index_url", "audit_url"})
    assert (s.environment, s.port, s.introspection, s.limits) == ("development", 8000, True, QueryLimits())
    assert s.index_url == f"sqlite+aiosqlite:///{(tmp_path / 'index.db').resolve()}"
    assert s.audit_url == f"sqlite+aiosqlite:///{(tmp_path / 'audit.db').resolve()}"
    assert s.agency_urls == {}
    assert s.agency_url("police") == f"sqlite+aiosqlite:///{(tmp_path / 'police.db').resolve()}"


def test_values_are_converted_and_nested_limits_read_from_hub_limit_variables(tmp_path: Path) -> None:
    s = Settings.from_env({
        "HUB_DATA_DIR": str(tmp_path), "HUB_ENV": "production", "HUB_PORT": "9001",
        "HUB_CASELOAD_TTL_SECONDS": "2.5", "HUB_INTROSPECTION": "false", "HUB_TRACE_RESOLVERS": "TRUE",
        "HUB_POLICY_SYNC": "postgresql", "HUB_POLICY_DIR": str(tmp_path / "p"), "HUB_JWT_JWKS_URL": "",
        "HUB_LIMIT_MAX_DEPTH": "4", "HUB_LIMIT_TIMEOUT_SECONDS": "0.5", "HUB_INDEX_DB": "postgresql://x/index",
    })
    assert (s.environment, s.port, s.caseload_ttl_seconds) == ("production", 9001, 2.5)
    assert (s.introspection, s.trace_resolvers, s.policy_sync) == (False, True, "postgresql")
    assert s.policy_dir == tmp_path / "p"
    assert s.jwt_jwks_url is None  # an empty variable counts as unset
    assert (s.limits.max_depth, s.limits.timeout_seconds, s.limits.max_first) == (4, 0.5, 500)
    assert s.index_url == "postgresql://x/index"


def test_every_hub_name_db_variable_but_the_hubs_own_stores_is_an_agency_override(tmp_path: Path) -> None:
    s = Settings.from_env({"HUB_DATA_DIR": str(tmp_path), "HUB_POLICE_DB": SECRET_URL,
                           "HUB_EMPLOYMENT_DB": "sqlite+aiosqlite:///e.db", "HUB_INDEX_DB": "sqlite:///i.db",
                           "HUB_AUDIT_DB": "sqlite:///a.db", "HUB_HOUSING_DB": ""})
    assert s.agency_urls == {"police": SECRET_URL, "employment": "sqlite+aiosqlite:///e.db"}
    assert s.agency_url("employment") == "sqlite+aiosqlite:///e.db"
    assert s.agency_url("housing") == f"sqlite+aiosqlite:///{(tmp_path / 'housing.db').resolve()}"


@pytest.mark.parametrize(("env", "message"), [
    ({"HUB_ENV": "staging"}, "HUB_ENV must be one of development, production or test"),
    ({"HUB_POLICY_SYNC": "redis"}, "HUB_POLICY_SYNC must be one of empty or postgresql"),
    ({"HUB_PORT": SECRET_URL}, "HUB_PORT is not a number"),
    ({"HUB_CASELOAD_TTL_SECONDS": "soon"}, "HUB_CASELOAD_TTL_SECONDS is not a number"),
    ({"HUB_LIMIT_MAX_COST": "lots"}, "HUB_LIMIT_MAX_COST is not a number"),
    ({"HUB_MIGRATE_ON_START": "perhaps"}, "HUB_MIGRATE_ON_START must be true or false"),
    ({"HUB_LIMIT_MAX_DEPHT": "3"}, "HUB_LIMIT_MAX_DEPHT is not a setting the hub knows"),
])
def test_a_bad_value_is_a_configuration_error_naming_the_variable_not_the_value(
        env: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigurationError) as caught:
        Settings.from_env(env)
    assert str(caught.value) == message
    assert caught.value.__cause__ is None and caught.value.__suppress_context__  # no pydantic traceback
    assert "s3cret" not in str(caught.value)


def test_every_bad_value_is_named_at_once() -> None:
    with pytest.raises(ConfigurationError, match=r"^HUB_PORT is not a number; HUB_SEED is not a number$"):
        Settings.from_env({"HUB_PORT": "x", "HUB_SEED": "y"})


def test_settings_are_immutable_and_varied_by_copy(tmp_path: Path) -> None:
    s = Settings.from_env({"HUB_DATA_DIR": str(tmp_path)})
    with pytest.raises(ValidationError):
        s.port = 1
    varied = s.model_copy(update={"port": 1})
    assert (s.port, varied.port, varied.index_url) == (8000, 1, s.index_url)


def test_settings_built_in_code_do_not_read_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HUB_PORT", "9999")
    assert Settings().port == 8000
    assert Settings(port=1).port == 1
    assert Settings.from_env().port == 9999
