"""A small, low-overhead HTTP/1.1 load generator on raw asyncio streams.

Each of ``connections`` workers keeps one keep-alive connection and sends the next request as
soon as the previous answer is read (closed loop). Answers are framed by Content-Length (or
chunked transfer encoding). Only requests sent and answered inside the measured window count;
the warm-up before it is discarded. Any non-2xx status or connection failure is an error.

Standalone use (one URL path, or several cycled through):

    python bench/loadgen.py http://127.0.0.1:8000 /health/live -c 32 -d 10 -H "Authorization: ..."
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from urllib.parse import urlsplit

_HEADER_END = b"\r\n\r\n"
_CONTENT_LENGTH = b"\r\ncontent-length:"
_CHUNKED = b"\r\ntransfer-encoding: chunked"
_CLOSE = b"\r\nconnection: close"
_KEEP_ALIVE = b"\r\nconnection: keep-alive"


def build_requests(
    host: str, port: int, paths: Sequence[str], headers: dict[str, str] | None = None
) -> list[bytes]:
    """Encoded GET requests for ``paths`` (built once, so the loop only writes bytes)."""
    extra = "".join(f"{name}: {value}\r\n" for name, value in (headers or {}).items())
    return [
        f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nAccept: */*\r\n{extra}\r\n".encode()
        for path in paths
    ]


@dataclass
class Answer:
    status: int
    head: bytes
    body: bytes
    close: bool


async def read_answer(reader: asyncio.StreamReader) -> Answer:
    """One HTTP/1.1 answer from ``reader`` (raises IncompleteReadError on a closed stream)."""
    head = await reader.readuntil(_HEADER_END)
    status = int(head[9:12])
    lowered = head.lower()
    start = lowered.find(_CONTENT_LENGTH)
    if start >= 0:
        start += len(_CONTENT_LENGTH)
        length = int(lowered[start : lowered.index(b"\r\n", start)])
        body = await reader.readexactly(length) if length else b""
    elif _CHUNKED in lowered:
        parts = []
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            if size == 0:
                await reader.readuntil(b"\r\n")  # no trailers expected
                break
            parts.append(await reader.readexactly(size))
            await reader.readexactly(2)
        body = b"".join(parts)
    else:
        body = b""  # 204/304 or an answer without a body
    close = _CLOSE in lowered or (head.startswith(b"HTTP/1.0") and _KEEP_ALIVE not in lowered)
    return Answer(status, head, body, close)


async def fetch(host: str, port: int, request: bytes, io_timeout: float = 10.0) -> Answer:
    """One request on a fresh connection (checks and smoke tests)."""
    async with asyncio.timeout(io_timeout):
        reader, writer = await asyncio.open_connection(host, port)
        try:
            writer.write(request)
            return await read_answer(reader)
        finally:
            writer.close()
            with contextlib.suppress(OSError):
                await writer.wait_closed()


@dataclass
class LoadResult:
    """What the measured window saw. Latencies are in seconds."""

    seconds: float
    latencies: list[float] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)
    failures: int = 0  # connection errors, timeouts, malformed answers
    first_error: str | None = None

    @property
    def requests(self) -> int:
        return len(self.latencies)

    @property
    def errors(self) -> int:
        return self.failures + sum(n for status, n in self.statuses.items() if status >= 300)

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def percentile(self, fraction: float) -> float:
        """Nearest-rank percentile of the latencies, in milliseconds."""
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        rank = max(0, min(len(ordered) - 1, round(fraction * len(ordered)) - 1))
        return ordered[rank] * 1000.0


async def run_load(
    host: str,
    port: int,
    requests: Sequence[bytes],
    *,
    connections: int,
    seconds: float,
    warmup: float = 2.0,
    io_timeout: float = 10.0,
    on_measure_start: Callable[[], None] | None = None,
    on_measure_end: Callable[[], None] | None = None,
) -> LoadResult:
    """Drive ``connections`` keep-alive connections for ``warmup + seconds`` seconds,
    cycling through ``requests`` (each connection from its own offset)."""
    loop = asyncio.get_running_loop()
    started = time.perf_counter()
    measure_from = started + warmup
    measure_to = measure_from + seconds
    result = LoadResult(seconds=seconds)
    latencies = result.latencies
    statuses = result.statuses
    count = len(requests)
    clock = time.perf_counter
    if on_measure_start is not None:
        loop.call_later(warmup, on_measure_start)
    if on_measure_end is not None:
        loop.call_later(warmup + seconds, on_measure_end)

    def failed(reason: str, sent: float) -> None:
        if sent >= measure_from and clock() <= measure_to:
            result.failures += 1
            if result.first_error is None:
                result.first_error = reason

    async def worker(index: int) -> None:
        position = (index * max(1, count // connections)) % count
        writer: asyncio.StreamWriter | None = None
        reader: asyncio.StreamReader | None = None
        while True:
            sent = clock()
            if sent >= measure_to:
                break
            try:
                async with asyncio.timeout(io_timeout):  # no task per request, unlike wait_for
                    if writer is None:
                        reader, writer = await asyncio.open_connection(host, port)
                    assert reader is not None
                    writer.write(requests[position])
                    position = position + 1 if position + 1 < count else 0
                    answer = await read_answer(reader)
            except (
                OSError,
                TimeoutError,
                asyncio.IncompleteReadError,
                asyncio.LimitOverrunError,
                ValueError,
            ) as exc:
                failed(f"{type(exc).__name__}: {exc}", sent)
                if writer is not None:
                    writer.close()
                writer = reader = None
                await asyncio.sleep(0.01)
                continue
            done = clock()
            if sent >= measure_from and done <= measure_to:
                latencies.append(done - sent)
                statuses[answer.status] += 1
                if answer.status >= 300 and result.first_error is None:
                    result.first_error = f"HTTP {answer.status}: {answer.body[:300]!r}"
            if answer.close:
                writer.close()
                writer = reader = None
        if writer is not None:
            writer.close()

    await asyncio.gather(*(worker(i) for i in range(connections)))
    return result


def _main() -> None:
    parser = argparse.ArgumentParser(description="HTTP/1.1 keep-alive GET load generator")
    parser.add_argument("base", help="http://host:port")
    parser.add_argument("paths", nargs="+", help="paths to cycle through")
    parser.add_argument("-c", "--connections", type=int, default=32)
    parser.add_argument("-d", "--seconds", type=float, default=10.0)
    parser.add_argument("-w", "--warmup", type=float, default=2.0)
    parser.add_argument("-H", "--header", action="append", default=[], help="Name: value")
    args = parser.parse_args()
    url = urlsplit(args.base)
    host, port = url.hostname or "127.0.0.1", url.port or 80
    headers = dict(h.split(":", 1) for h in args.header)
    requests = build_requests(
        host, port, args.paths, {k.strip(): v.strip() for k, v in headers.items()}
    )
    try:
        import uvloop

        runner = asyncio.Runner(loop_factory=uvloop.new_event_loop)
    except ImportError:
        runner = asyncio.Runner()
    with runner:
        result = runner.run(
            run_load(
                host,
                port,
                requests,
                connections=args.connections,
                seconds=args.seconds,
                warmup=args.warmup,
            )
        )
    print(
        f"{result.rate:.0f} req/s  p50 {result.percentile(0.5):.2f} ms  "
        f"p99 {result.percentile(0.99):.2f} ms  errors {result.errors}  "
        f"statuses {dict(result.statuses)}"
    )
    if result.first_error:
        print(f"first error: {result.first_error}")


if __name__ == "__main__":
    _main()
