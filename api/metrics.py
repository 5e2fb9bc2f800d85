"""Prometheus metrics: requests and latency by route template, and the database pool.

Labels are the route template (``/api/v1/users/{user_id}``), never the raw path, so no id or
personal value reaches a label. With several workers, set PROMETHEUS_MULTIPROC_DIR (the CLI
does) and the figures of all workers are summed.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

REQUESTS = Counter(
    "shakti_http_requests_total",
    "HTTP requests answered, by method, route template and status.",
    ["method", "route", "status"],
)
LATENCY = Histogram(
    "shakti_http_request_duration_seconds",
    "Time to answer, by method and route template.",
    ["method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)

UNMATCHED_ROUTE = "<unmatched>"


# The labelled children, found once per (method, route, status): labels() takes a lock and
# builds a tuple on every call. Routes are templates, so the keys are few.
_children: dict[tuple[str, str, int], tuple[Any, Any]] = {}


def observe(method: str, route: str, status: int, seconds: float) -> None:
    key = (method, route, status)
    children = _children.get(key)
    if children is None:
        children = (REQUESTS.labels(method, route, str(status)), LATENCY.labels(method, route))
        _children[key] = children
    children[0].inc()
    children[1].observe(seconds)


class PoolCollector(Collector):
    """Reads the pool's counters at scrape time."""

    def __init__(self, status: Callable[[], dict[str, int]]) -> None:
        self._status = status

    def collect(self) -> Iterable[Metric]:
        status = self._status()
        pid = str(os.getpid())
        for name, help_text in (
            ("size", "Connections the pool keeps open."),
            ("checked_out", "Connections in use by requests."),
            ("overflow", "Connections opened beyond the pool size."),
            ("fast_lane_size", "Connections the fast lane's own pool keeps open."),
            ("fast_lane_checked_out", "Fast-lane connections in use by requests."),
        ):
            family = GaugeMetricFamily(f"shakti_db_pool_{name}", help_text, labels=["pid"])
            family.add_metric([pid], status.get(name, 0))
            yield family


def render(pool_status: Callable[[], dict[str, int]]) -> tuple[bytes, str]:
    """The exposition text for this process (or all workers in multiprocess mode)."""
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    else:
        registry.register(REQUESTS)
        registry.register(LATENCY)
    registry.register(PoolCollector(pool_status))
    return generate_latest(registry), CONTENT_TYPE_LATEST
