"""OpenTelemetry set-up: one tracer provider, exporters chosen by the standard OTEL_* variables.

Spans carry field paths, counts, agency names and at most hub person ids: never names,
identifiers, addresses, clinical data or anything from query variables.
"""

from __future__ import annotations

import os
import weakref
from collections.abc import Iterable

from opentelemetry import metrics, trace
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import ConsoleMetricExporter, MetricReader, PeriodicExportingMetricReader
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import SpanProcessor, TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, ConsoleSpanExporter, SpanExporter
from sqlalchemy import Engine
from sqlalchemy.ext.asyncio import AsyncEngine

from hub import __version__

TRACER_NAME = "hub"

_provider: TracerProvider | None = None


def exporters_from_env() -> list[SpanExporter]:
    """``OTEL_TRACES_EXPORTER``: comma list of ``otlp``, ``console``, ``none`` (default none)."""
    names = [n.strip() for n in os.environ.get("OTEL_TRACES_EXPORTER", "none").split(",") if n.strip()]
    out: list[SpanExporter] = []
    for name in names:
        if name == "console":
            out.append(ConsoleSpanExporter())
        elif name == "otlp":
            from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

            out.append(OTLPSpanExporter())  # endpoint, headers from OTEL_EXPORTER_OTLP_*
    return out


def metric_readers_from_env() -> list[MetricReader]:
    """``OTEL_METRICS_EXPORTER``: ``otlp``, ``console`` or ``none`` (default none)."""
    names = [n.strip() for n in os.environ.get("OTEL_METRICS_EXPORTER", "none").split(",") if n.strip()]
    readers: list[MetricReader] = []
    for name in names:
        if name == "console":
            readers.append(PeriodicExportingMetricReader(ConsoleMetricExporter()))
        elif name == "otlp":
            from opentelemetry.exporter.otlp.proto.http.metric_exporter import OTLPMetricExporter

            readers.append(PeriodicExportingMetricReader(OTLPMetricExporter()))
    return readers


def configure(processors: list[SpanProcessor] | None = None,
              metric_readers: list[MetricReader] | None = None) -> TracerProvider:
    """Install the process's tracer and meter providers once; tests pass in-memory ones."""
    global _provider
    if _provider is None:
        resource = Resource.create({"service.name": os.environ.get("OTEL_SERVICE_NAME", "partnership-hub"),
                                    "service.version": __version__})
        _provider = TracerProvider(resource=resource)
        for exporter in exporters_from_env():
            _provider.add_span_processor(BatchSpanProcessor(exporter))
        trace.set_tracer_provider(_provider)
        readers = [*metric_readers_from_env(), *(metric_readers or [])]
        metrics.set_meter_provider(MeterProvider(resource=resource, metric_readers=readers))
    for processor in processors or []:
        _provider.add_span_processor(processor)
    return _provider


#: A proxy until a provider is installed, then the provider's tracer: safe to create at import.
_tracer = trace.get_tracer(TRACER_NAME, __version__)


def tracer() -> trace.Tracer:
    return _tracer


_instrumented: weakref.WeakSet[Engine] = weakref.WeakSet()


def instrument_engines(engines: Iterable[AsyncEngine]) -> None:
    """A span per SQL statement (OpenTelemetry's SQLAlchemy instrumentation, without SQL comments).

    Statements are parameterised, so a span's statement text holds placeholders, never values.
    """
    from opentelemetry.instrumentation.sqlalchemy.engine import EngineTracer

    # The instrumentation counts pool checkouts as a metric; two measurements per statement is more
    # than that figure is worth on the hot path, so it goes to a no-op counter.
    usage = metrics.NoOpUpDownCounter("db.client.connections.usage")
    for engine in engines:
        sync = engine.sync_engine
        if sync not in _instrumented:
            EngineTracer(trace.get_tracer("hub.sql", __version__), sync, usage,  # type: ignore[no-untyped-call]
                         enable_commenter=False)
            _instrumented.add(sync)


class Metrics:
    """The hub's own instruments; created once per process from the global meter provider."""

    def __init__(self) -> None:
        meter = metrics.get_meter(TRACER_NAME, __version__)
        self.requests = meter.create_counter("hub.requests", description="GraphQL requests by operation and outcome")
        self.request_duration = meter.create_histogram("hub.request.duration", unit="ms",
                                                       description="Request latency by operation and outcome")
        self.fields_withheld = meter.create_counter("hub.fields.withheld",
                                                    description="Fields withheld, by field and clause")
        self.audit_write_duration = meter.create_histogram("hub.audit.write.duration", unit="ms",
                                                           description="Time to make one audit record durable")
        self.connector_duration = meter.create_histogram("hub.connector.duration", unit="ms",
                                                         description="Agency connector batch latency by agency")


_metrics: Metrics | None = None


def instruments() -> Metrics:
    global _metrics
    if _metrics is None:
        _metrics = Metrics()
    return _metrics
