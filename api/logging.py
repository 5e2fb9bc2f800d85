"""Structured JSON logs (structlog). Every line carries the request id; none carries personal
data: access lines name the route template, never the path's values or the query string."""

from __future__ import annotations

import logging
import sys
import traceback
from typing import Any

import orjson
import structlog
from structlog.types import EventDict


def scrub_exception(_: Any, __: str, event: EventDict) -> EventDict:
    """Replace a traceback with the exception's type and its frames (file, line, function).

    Exception messages are dropped: a database error can quote the row it failed on.
    """
    exc_info = event.pop("exc_info", None)
    if exc_info is True:
        exc_info = sys.exc_info()
    elif isinstance(exc_info, BaseException):
        exc_info = (type(exc_info), exc_info, exc_info.__traceback__)
    if exc_info and exc_info[0] is not None:
        event["error_type"] = f"{exc_info[0].__module__}.{exc_info[0].__qualname__}"
        event["stack"] = [
            f"{frame.filename}:{frame.lineno} in {frame.name}"
            for frame in traceback.extract_tb(exc_info[2])[-15:]
        ]
    return event


def _orjson_renderer(_: Any, __: str, event: EventDict) -> str:
    return orjson.dumps(event, default=str).decode()


class _StderrLogger:
    """Writes each rendered line to whatever ``sys.stderr`` is at that moment."""

    def __init__(self, name: str | None = None) -> None:
        self.name = name

    def msg(self, message: str) -> None:
        stream = sys.stderr
        stream.write(message + "\n")
        stream.flush()

    log = debug = info = warn = warning = error = critical = exception = msg


def _stderr_logger_factory(*args: Any) -> _StderrLogger:
    return _StderrLogger(str(args[0]) if args else None)


def _add_logger_name(logger: Any, _: str, event: EventDict) -> EventDict:
    name = getattr(logger, "name", None)
    if name:
        event.setdefault("logger", name)
    return event


def configure(level: str = "INFO") -> None:
    numeric_level = logging.getLevelName(level.upper())
    shared: list[structlog.types.Processor] = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    # Our own events (one access line per request, errors) take the short way: rendered with
    # orjson and written straight to stderr.
    structlog.configure(
        processors=[*shared, _add_logger_name, scrub_exception, _orjson_renderer],
        logger_factory=_stderr_logger_factory,
        wrapper_class=structlog.make_filtering_bound_logger(numeric_level),
        cache_logger_on_first_use=True,
    )
    # The standard library's records (uvicorn, sqlalchemy, alembic) leave as the same JSON,
    # with tracebacks scrubbed of messages.
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            processors=[
                structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                scrub_exception,
                structlog.processors.JSONRenderer(),
            ],
            foreign_pre_chain=[*shared, structlog.stdlib.add_logger_name],
        )
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # uvicorn's own access log repeats the raw path and query: ours replaces it.
    logging.getLogger("uvicorn.access").disabled = True
    for name in ("uvicorn", "uvicorn.error"):
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).propagate = True


def get_logger(name: str) -> structlog.typing.FilteringBoundLogger:
    """A logger whose events carry ``logger=name`` (configured lazily, at first use): the
    filtering bound logger :func:`configure` makes (structlog types it as Any)."""
    logger: structlog.typing.FilteringBoundLogger = structlog.get_logger(name)
    return logger
