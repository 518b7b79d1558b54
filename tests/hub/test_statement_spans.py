"""SQL statement spans cost SQLAlchemy's cursor events on every statement, so engines have them only while spans
are recorded: a hub with no exporter pays nothing for them."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import event

from hub.core import telemetry
from hub.core.db import create_engine


async def test_engines_are_instrumented_only_once_spans_are_recorded(tmp_path: Path) -> None:
    telemetry.configure()
    was = telemetry.recording()
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path}/spans.db")
    try:
        telemetry.set_recording(False)
        telemetry.instrument_engines({"spans": engine})
        assert not event.contains(engine.sync_engine, "after_cursor_execute", telemetry.StatementSpans.after), \
            "instrumented while nothing is recorded"
        telemetry.set_recording(True)
        assert event.contains(engine.sync_engine, "after_cursor_execute", telemetry.StatementSpans.after)
        telemetry.set_recording(False)  # off again (the benchmark switches per call): the listeners go too
        assert not event.contains(engine.sync_engine, "after_cursor_execute", telemetry.StatementSpans.after)
    finally:
        telemetry.set_recording(was)
        await engine.dispose()
