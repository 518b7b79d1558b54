"""The serving process's garbage-collector settings (hub/web/collector.py)."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from pathlib import Path

import pytest

from hub.core.errors import ConfigurationError
from hub.core.settings import Settings
from hub.web.app import create_app
from hub.web.collector import settle


@pytest.fixture
def fresh_collector() -> Iterator[None]:
    before = gc.get_threshold()
    gc.unfreeze()
    gc.set_threshold(700, 10, 10)
    yield
    gc.unfreeze()
    gc.set_threshold(*before)


def test_settle_freezes_the_heap_and_raises_the_first_threshold(fresh_collector: None) -> None:
    settle(50_000)
    assert gc.get_threshold() == (50_000, 10, 10)
    assert gc.get_freeze_count() > 0


def test_zero_leaves_the_collector_alone(fresh_collector: None) -> None:
    settle(0)
    assert gc.get_threshold() == (700, 10, 10)
    assert gc.get_freeze_count() == 0


async def test_only_a_serving_app_tunes_the_collector_once_started(settings: Settings,
                                                                   fresh_collector: None) -> None:
    tuned = settings.model_copy(update=dict(gc_threshold=30_000))
    app = create_app(tuned)  # as tests and the benchmark embed it: the process is not the hub's
    async with app.router.lifespan_context(app):
        assert gc.get_threshold()[0] == 700
    served = create_app(tuned, serving=True)
    async with served.router.lifespan_context(served):
        assert gc.get_threshold()[0] == 30_000
        assert gc.get_freeze_count() > 0


def test_threshold_from_the_environment(tmp_path: Path) -> None:
    base = {"HUB_DATA_DIR": str(tmp_path), "HUB_ENV": "test"}
    assert Settings.from_env(base).gc_threshold == 50_000
    assert Settings.from_env({**base, "HUB_GC_THRESHOLD": "0"}).gc_threshold == 0
    with pytest.raises(ConfigurationError, match="not a number"):
        Settings.from_env({**base, "HUB_GC_THRESHOLD": "lots"})
