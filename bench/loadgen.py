"""A small HTTP/1.1 load generator for the benchmarks: asyncio, keep-alive, one connection per simulated user.

Two ways to load a server, both from one event loop (a thread per user would spend the two cores on the GIL):

- ``closed``: every user sends its next request as soon as the previous answer arrives. This measures the most the
  server can take; with N users the latency is mostly queueing (Little's law: mean latency ~ N / throughput).
- ``rate``: requests are scheduled at a fixed rate over the users, like wrk2. Latency is measured from the time a
  request was *due*, not from when a free connection sent it, so a server that falls behind shows the wait its
  users would see (no coordinated omission).

Only GETs, only to 127.0.0.1. Each run is bounded by ``seconds`` (after ``warmup``) and by ``max_requests``.
"""
from __future__ import annotations

import asyncio
import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field


@dataclass
class LoadResult:
    mode: str
    users: int
    wall_s: float
    latencies_ms: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    done_in_window: int = 0  # successful answers that arrived inside the measured window
    target_rps: float | None = None

    @property
    def ok(self) -> int:
        return len(self.latencies_ms)

    @property
    def requests(self) -> int:
        return self.ok + len(self.errors)

    @property
    def rps(self) -> float:
        """Answers per second that arrived in the window: at a fixed rate the server only keeps up if this is the
        rate."""
        return self.done_in_window / self.wall_s if self.wall_s else 0.0

    def percentile(self, p: float) -> float:
        if not self.latencies_ms:
            return float("nan")
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(p * len(ordered)))]

    @property
    def mean_ms(self) -> float:
        return statistics.fmean(self.latencies_ms) if self.latencies_ms else float("nan")

    @property
    def error_kinds(self) -> list[str]:
        return sorted(set(self.errors))[:3]


class _Connection:
    """One keep-alive connection; reconnects after an error or a ``Connection: close``."""

    def __init__(self, port: int, headers: bytes) -> None:
        self.port = port
        self.headers = headers
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def get(self, path: str) -> int:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
        assert self.reader is not None
        self.writer.write(b"GET " + path.encode() + b" HTTP/1.1\r\n" + self.headers + b"\r\n")
        await self.writer.drain()
        head = await self.reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        fields = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:] if line)}
        if fields.get("transfer-encoding", "").lower() == "chunked":
            while True:
                size = int((await self.reader.readuntil(b"\r\n")).split(b";")[0], 16)
                await self.reader.readexactly(size + 2)
                if size == 0:
                    break
        else:
            await self.reader.readexactly(int(fields.get("content-length", "0")))
        if fields.get("connection", "").lower() == "close":
            self.close()
        return status

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


def run_load(
    port: int,
    cookies: Sequence[str],
    path_of: Callable[[int], str],
    *,
    mode: str = "closed",
    rate: float = 200.0,
    seconds: float = 20.0,
    warmup: float = 5.0,
    max_requests: int = 50_000,
    timeout: float = 30.0,
) -> LoadResult:
    """Load ``127.0.0.1:port`` with one connection per cookie (a logged-in user each); ``path_of(i)`` gives the
    path of request ``i`` (a fresh seed per request, for example). Only requests started after the warm-up count."""
    if mode not in ("closed", "rate"):
        raise ValueError(f"mode must be 'closed' or 'rate', not {mode!r}")
    return asyncio.run(_run(port, list(cookies), path_of, mode=mode, rate=rate, seconds=seconds, warmup=warmup,
                            max_requests=max_requests, timeout=timeout))


async def _run(port, cookies, path_of, *, mode, rate, seconds, warmup, max_requests, timeout) -> LoadResult:
    result = LoadResult(mode=mode, users=len(cookies), wall_s=0.0, target_rps=rate if mode == "rate" else None)
    loop = asyncio.get_running_loop()
    start = loop.time()
    measure_from = start + warmup
    stop_at = measure_from + seconds
    counter = iter(range(10**9))
    due_times: asyncio.Queue[float] | None = asyncio.Queue() if mode == "rate" else None

    async def schedule() -> None:
        assert due_times is not None
        interval = 1.0 / rate
        n = 0
        while True:
            due = start + n * interval
            if due >= stop_at:
                return
            delay = due - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            due_times.put_nowait(due)
            n += 1

    async def user(cookie: str) -> None:
        conn = _Connection(port, f"Host: 127.0.0.1\r\nCookie: {cookie}\r\n".encode())
        try:
            while True:
                if due_times is not None:
                    try:
                        due = await asyncio.wait_for(due_times.get(), timeout=max(0.01, stop_at - loop.time() + 0.5))
                    except TimeoutError:
                        return
                else:
                    due = loop.time()
                    if due >= stop_at:
                        return
                counted = due >= measure_from
                if counted and result.requests >= max_requests:
                    return
                i = next(counter)
                try:
                    status = await asyncio.wait_for(conn.get(path_of(i)), timeout=timeout)
                    error = "" if status == 200 else f"HTTP {status}"
                except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError, TimeoutError) as exc:
                    error = type(exc).__name__
                    conn.close()
                now = loop.time()
                if not error and measure_from <= now <= stop_at:
                    result.done_in_window += 1  # throughput: every answer in the window, whenever it was due
                if counted:
                    if error:
                        result.errors.append(error)
                    else:
                        result.latencies_ms.append((now - due) * 1000.0)
        finally:
            conn.close()

    tasks = [asyncio.create_task(user(c)) for c in cookies]
    if due_times is not None:
        tasks.append(asyncio.create_task(schedule()))
    await asyncio.gather(*tasks)
    result.wall_s = seconds  # requests are counted by the time they were due (rate) or sent (closed)
    return result


def load_table(rows: Sequence[tuple[str, LoadResult]]) -> str:
    """The rows as the fixed-width table the benchmarks print."""
    out = [f"{'endpoint':<24}{'load':<26}{'requests':>9}{'errors':>8}{'req/s':>9}{'p50 ms':>9}{'p90 ms':>9}{'p99 ms':>9}"]
    for name, r in rows:
        load = f"{r.users} users, closed loop" if r.mode == "closed" else f"{r.target_rps:.0f} req/s over {r.users} conns"
        out.append(
            f"{name:<24}{load:<26}{r.requests:>9}{len(r.errors):>8}{r.rps:>9.1f}{r.percentile(0.5):>9.1f}"
            f"{r.percentile(0.9):>9.1f}{r.percentile(0.99):>9.1f}" + (f"  {r.error_kinds}" if r.errors else "")
        )
    return "\n".join(out)
