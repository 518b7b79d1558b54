"""The standard OTEL_TRACES_SAMPLER still decides which spans are kept, once spans are exported."""

from __future__ import annotations

import pytest
from opentelemetry.sdk.trace.sampling import ParentBased, TraceIdRatioBased

from hub.core.telemetry import tracer_provider


def test_unset_is_parent_based_always_on_and_nothing_records_until_exported(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OTEL_TRACES_SAMPLER", raising=False)
    provider, sampler = tracer_provider()
    assert isinstance(sampler.delegate, ParentBased)
    assert not provider.get_tracer("t").start_span("dropped").is_recording()
    sampler.recording = True
    assert provider.get_tracer("t").start_span("kept").is_recording()


def test_the_variable_chooses_the_sampler(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OTEL_TRACES_SAMPLER", "traceidratio")
    monkeypatch.setenv("OTEL_TRACES_SAMPLER_ARG", "0.25")
    _, sampler = tracer_provider()
    assert isinstance(sampler.delegate, TraceIdRatioBased) and sampler.delegate.rate == 0.25


def test_always_off_keeps_nothing_even_when_exported(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OTEL_TRACES_SAMPLER", "always_off")
    provider, sampler = tracer_provider()
    sampler.recording = True
    span = provider.get_tracer("t").start_span("off")
    assert not span.is_recording() and span.get_span_context().trace_id != 0
