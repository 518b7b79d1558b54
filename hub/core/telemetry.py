"""OpenTelemetry set-up: one tracer provider, exporters chosen by the standard OTEL_* variables.

Spans carry field paths, counts, agency names and at most hub person ids: never names,
identifiers, addresses, clinical data or anything from query variables.
"""

from __future__ import annotations

import contextlib
import os
import weakref
from collections.abc import Mapping, Sequence
from contextlib import AbstractContextManager
from typing import Any

from opentelemetry import metrics, trace
from opentelemetry.context import Context
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import ConsoleMetricExporter, MetricReader, PeriodicExportingMetricReader
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import SpanProcessor, TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, ConsoleSpanExporter, SpanExporter
from opentelemetry.sdk.trace.sampling import Decision, Sampler, SamplingResult
from opentelemetry.util.types import Attributes
from sqlalchemy import Engine, event
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


class RecordWhenExported(Sampler):
    """Record spans only while something receives them; otherwise keep just their trace context.

    With no exporter (the embedded default) a recorded span costs its full price (about 12 us in
    the SDK, 20-30 us with its attributes in a request) and goes nowhere. Dropped spans still get
    trace and span ids, so the trace id in responses and audit records and W3C propagation work
    the same. Recording starts as soon as an exporter or a span processor is added.
    """

    def __init__(self, delegate: Sampler) -> None:
        self.delegate = delegate
        self.recording = False

    def should_sample(self, parent_context: Context | None, trace_id: int, name: str,
                      kind: trace.SpanKind | None = None, attributes: Attributes = None,
                      links: Sequence[trace.Link] | None = None,
                      trace_state: trace.TraceState | None = None) -> SamplingResult:
        if not self.recording:
            return SamplingResult(Decision.DROP, None, None)
        return self.delegate.should_sample(parent_context, trace_id, name, kind, attributes, links, trace_state)

    def get_description(self) -> str:
        return f"RecordWhenExported{{{self.delegate.get_description()}}}"


_sampler: RecordWhenExported | None = None


def configure(processors: list[SpanProcessor] | None = None,
              metric_readers: list[MetricReader] | None = None) -> TracerProvider:
    """Install the process's tracer and meter providers once; tests pass in-memory ones."""
    global _provider, _sampler
    if _provider is None:
        resource = Resource.create({"service.name": os.environ.get("OTEL_SERVICE_NAME", "partnership-hub"),
                                    "service.version": __version__})
        _provider, _sampler = tracer_provider(resource)
        for exporter in exporters_from_env():
            _provider.add_span_processor(BatchSpanProcessor(exporter))
            _sampler.recording = True
        trace.set_tracer_provider(_provider)
        readers = [*metric_readers_from_env(), *(metric_readers or [])]
        if readers:  # with no reader, measurements would be aggregated for nobody: keep the no-op meters
            metrics.set_meter_provider(MeterProvider(resource=resource, metric_readers=readers))
    for processor in processors or []:
        _provider.add_span_processor(processor)
        if _sampler is not None:
            _sampler.recording = True
    if recording():
        _instrument_wanted()
    return _provider


def flush(timeout_millis: int = 5_000) -> None:
    """Export whatever the batch span processors and metric readers still hold (at shutdown)."""
    if _provider is not None:
        _provider.force_flush(timeout_millis)
    meters = metrics.get_meter_provider()
    if isinstance(meters, MeterProvider):
        meters.force_flush(timeout_millis)


def tracer_provider(resource: Resource | None = None) -> tuple[TracerProvider, RecordWhenExported]:
    """A provider whose sampler records only while spans are exported, and then keeps what the standard
    ``OTEL_TRACES_SAMPLER`` says (parent-based always-on when unset): given no sampler, the SDK reads
    the variable itself, and its choice is wrapped before any tracer takes it."""
    provider = TracerProvider(resource=resource)
    sampler = RecordWhenExported(provider.sampler)
    provider.sampler = sampler
    return provider, sampler


def set_recording(recording: bool) -> None:
    """Switch span recording on or off at run time (the benchmark compares both in one run)."""
    if _sampler is not None:
        _sampler.recording = recording
        if recording:
            _instrument_wanted()
        else:
            _uninstrument()


def recording() -> bool:
    return _sampler is not None and _sampler.recording


#: what ``span`` gives while nothing is recorded: a span whose methods do nothing
_NOT_RECORDED: contextlib.nullcontext[trace.Span] = contextlib.nullcontext(trace.INVALID_SPAN)


def span(name: str, attributes: Attributes = None, *, within: trace.Tracer | None = None
         ) -> AbstractContextManager[trace.Span]:
    """A current span named ``name`` while spans are recorded; otherwise no span at all.

    Only the request's root span is always made (it carries the trace id for responses and audit
    records); the spans beneath it cost nothing when no exporter would receive them.
    """
    if _sampler is None or not _sampler.recording:
        return _NOT_RECORDED
    return (within or _tracer).start_as_current_span(name, attributes=attributes)


#: A proxy until a provider is installed, then the provider's tracer: safe to create at import.
_tracer = trace.get_tracer(TRACER_NAME, __version__)


def tracer() -> trace.Tracer:
    return _tracer


_instrumented: weakref.WeakKeyDictionary[Engine, StatementSpans] = weakref.WeakKeyDictionary()
_SPAN_KEY = "_hub_sql_span"


class StatementSpans:
    """A span per SQL statement, from SQLAlchemy's cursor events.

    OpenTelemetry's SQLAlchemy instrumentation (``EngineTracer``) works out the database name, the
    operation and the connection's attributes again for every statement, and counts pool checkouts;
    here all of that is fixed per engine, so a span costs about what the SDK itself charges. The
    statement text is the parameterised SQL: placeholders, never values.
    """

    def __init__(self, tracer: trace.Tracer, engine: Engine, store: str) -> None:
        self.tracer = tracer
        self.attributes = {"db.system": engine.dialect.name, "db.name": store}
        self.prefix = f"{store} "
        self.engine = engine
        event.listen(engine, "before_cursor_execute", self.before)
        event.listen(engine, "after_cursor_execute", self.after)
        event.listen(engine, "handle_error", self.failed)

    def remove(self) -> None:
        event.remove(self.engine, "before_cursor_execute", self.before)
        event.remove(self.engine, "after_cursor_execute", self.after)
        event.remove(self.engine, "handle_error", self.failed)

    def before(self, _conn: Any, _cursor: Any, statement: str, _params: Any, context: Any, _many: bool) -> None:
        if not recording():
            return
        operation = statement.lstrip()[:6].upper()  # SELECT, INSERT, UPDATE, DELETE, BEGIN, PRAGMA
        span = self.tracer.start_span(self.prefix + operation, kind=trace.SpanKind.CLIENT,
                                      attributes={**self.attributes, "db.statement": statement[:2000]})
        if context is not None:
            setattr(context, _SPAN_KEY, span)

    @staticmethod
    def after(_conn: Any, _cursor: Any, _statement: str, _params: Any, context: Any, _many: bool) -> None:
        span = getattr(context, _SPAN_KEY, None)
        if span is not None:
            span.end()

    @staticmethod
    def failed(exception_context: Any) -> None:
        span = getattr(exception_context.execution_context, _SPAN_KEY, None)
        if span is not None:
            # The exception's type only: a driver's message can quote the offending values.
            span.set_status(trace.Status(trace.StatusCode.ERROR, type(exception_context.original_exception).__name__))
            span.end()


#: engines to give statement spans, by store name: instrumented once spans are recorded, since SQLAlchemy's
#: cursor events cost about a hundred Python calls a statement even when their listeners return at once
_wanted: weakref.WeakKeyDictionary[Engine, str] = weakref.WeakKeyDictionary()


def instrument_engines(engines: Mapping[str, AsyncEngine]) -> None:
    """A span per SQL statement on each named engine (the store's name goes into the span), from when spans
    are recorded (now, or once an exporter or processor is configured or recording is switched on)."""
    for name, engine in engines.items():
        _wanted[engine.sync_engine] = name
    if recording():
        _instrument_wanted()


def _instrument_wanted() -> None:
    tracer = trace.get_tracer("hub.sql", __version__)
    for sync, name in list(_wanted.items()):
        if sync not in _instrumented:
            _instrumented[sync] = StatementSpans(tracer, sync, name)


def _uninstrument() -> None:
    """Take the statement spans' listeners off again while nothing is recorded (the benchmark switches)."""
    for sync, spans in list(_instrumented.items()):
        spans.remove()
        del _instrumented[sync]


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
