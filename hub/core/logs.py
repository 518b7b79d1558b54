"""Logging: structured JSON lines in production, readable lines elsewhere.

Log calls pass facts as ``extra`` (codes, counts, ids, error types); messages never carry values
from agency records or query variables, so neither format can leak them.
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from typing import Any

from opentelemetry import trace

#: LogRecord attributes that are plumbing, not facts worth a JSON key.
_STANDARD = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None)).keys()) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        span = trace.get_current_span().get_span_context()
        if span.is_valid:
            out["trace_id"] = format(span.trace_id, "032x")
            out["span_id"] = format(span.span_id, "016x")
        out.update({k: v for k, v in vars(record).items() if k not in _STANDARD and not k.startswith("_")})
        if record.exc_info and record.exc_info[0] is not None:
            # The exception's type only: its message and traceback may quote a value.
            out["error_type"] = record.exc_info[0].__name__
        return json.dumps(out, default=str)


def configure_logging(production: bool, level: int = logging.INFO) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if production else
                         logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    quiet_libraries()


#: Libraries that log statements with their bound values (identifiers) at INFO or DEBUG, and
#: Strawberry, which logs each GraphQL error with its traceback (the hub logs its own, without values).
NOISY = {"sqlalchemy": logging.WARNING, "aiosqlite": logging.WARNING, "asyncpg": logging.WARNING,
         "strawberry.execution": logging.CRITICAL, "casbin": logging.WARNING}


def quiet_libraries() -> None:
    """Keep value-bearing library logs off whatever level the hub itself logs at."""
    for name, level in NOISY.items():
        logging.getLogger(name).setLevel(level)
