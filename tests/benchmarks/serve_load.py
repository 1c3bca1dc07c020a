"""``threadline serve`` under load: N concurrent SSE clients on loopback, beside the same runs
in-process.

A real ``python -m threadline serve`` process (uvicorn, one worker) serves an agent on an
in-process scripted model (``bench_agent`` below: no model server, so what is measured is the
serving: HTTP, SSE framing, event JSON, the run registry). CLIENTS clients each post RUNS_EACH
runs to ``/v1/runs`` and read every event to the done one. Reported: runs per second, the time
from sending a request to its first event (p50 and p99), and the server's resident memory (now
and its peak); then the same runs with the same concurrency straight on a ``Runner`` in this
process. Median runs/s over ROUNDS rounds, the worst p99; a warm-up round is not counted.

Loopback only and bounded: CLIENTS × RUNS_EACH runs per round, the whole script under
DEADLINE_S seconds, the server stopped at the end (SIGTERM, then SIGKILL).

    .venv/bin/python tests/benchmarks/serve_load.py [--clients N] [--runs-each M]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import signal
import statistics
import sys
import time
from pathlib import Path

from common import ROOT, report, report_abs

from threadline.runner import LLMAgent, Runner, ScriptedModel, ScriptedReply

HERE = Path(__file__).resolve().parent
CLIENTS = 32
RUNS_EACH = 10
CHUNKS = 40  # text deltas per reply
ROUNDS = 3
DEADLINE_S = 240
READY = re.compile(r"threadline serve: bench on (http://\S+) ")


def bench_agent() -> LLMAgent:
    """The served agent: every run streams one reply of CHUNKS pieces (``--agent`` target)."""
    reply = ScriptedReply(text=[f"w{i} " for i in range(CHUNKS)])
    return LLMAgent("bench", model=ScriptedModel([reply]))


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of ``pid`` so far, from /proc (Linux)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def memory_mb(pid: int) -> tuple[float, float]:
    """(resident now, peak resident) of ``pid`` in MB, from /proc (Linux)."""
    now = peak = 0.0
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            now = int(line.split()[1]) / 1024
        elif line.startswith("VmHWM:"):
            peak = int(line.split()[1]) / 1024
    return now, peak


async def sse_run(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, host: str, body: bytes
) -> tuple[float, int]:
    """One ``POST /v1/runs`` on a kept-alive connection, read as its bytes arrive: (seconds to
    the first event, events). A bare HTTP/1.1 client (chunked body, SSE messages counted by
    their blank line) so that the client's own parsing does not become what is measured."""
    head = (
        f"POST /v1/runs HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n"
        f"Accept: text/event-stream\r\nContent-Length: {len(body)}\r\n\r\n"
    ).encode()
    sent = time.perf_counter()
    writer.write(head + body)
    headers = await reader.readuntil(b"\r\n\r\n")
    assert headers.startswith(b"HTTP/1.1 200"), headers[:200]
    assert b"transfer-encoding: chunked" in headers.lower(), headers
    first = 0.0
    events = 0
    tail = b""
    while True:
        size = int((await reader.readuntil(b"\r\n"))[:-2], 16)
        if size == 0:
            await reader.readuntil(b"\r\n")
            break
        data = (await reader.readexactly(size + 2))[:-2]
        if not first and b"data: " in data:
            first = time.perf_counter() - sent
        events += data.count(b"\r\n\r\n")
        tail = data[-300:]
    assert b'"done":true' in tail, tail
    return first, events


async def served_round(
    url: str, clients: int, runs_each: int, tag: str
) -> tuple[float, list[float]]:
    """(runs per second, seconds to first event of each run) over HTTP, one connection per
    client."""
    host, port = url.removeprefix("http://").rsplit(":", 1)
    firsts: list[float] = []

    async def one_client(number: int) -> None:
        reader, writer = await asyncio.open_connection(host, int(port))
        try:
            for run in range(runs_each):
                body = f'{{"user_id":"bench","session_id":"{tag}-{number}-{run}","message":"go"}}'
                first, events = await sse_run(reader, writer, f"{host}:{port}", body.encode())
                assert events >= CHUNKS + 3, events
                firsts.append(first)
        finally:
            writer.close()
            await writer.wait_closed()

    start = time.perf_counter()
    await asyncio.gather(*(one_client(n) for n in range(clients)))
    return clients * runs_each / (time.perf_counter() - start), firsts


async def in_process_round(clients: int, runs_each: int, tag: str) -> tuple[float, list[float]]:
    """The same runs with the same concurrency on a ``Runner`` in this process."""
    runner = Runner("threadline", bench_agent())
    firsts: list[float] = []

    async def one_client(number: int) -> None:
        for run in range(runs_each):
            sent = time.perf_counter()
            seen = 0
            async for event in runner.run("bench", f"{tag}-{number}-{run}", "go"):
                if seen == 0:
                    firsts.append(time.perf_counter() - sent)
                seen += 1
                last = event
            assert last.done

    start = time.perf_counter()
    await asyncio.gather(*(one_client(n) for n in range(clients)))
    return clients * runs_each / (time.perf_counter() - start), firsts


async def start_server() -> tuple[asyncio.subprocess.Process, str]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "desktop"), str(ROOT)])}
    env.pop("THREADLINE_SERVER_TOKEN", None)
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        *("-m", "threadline", "serve", "--agent", "serve_load:bench_agent"),
        *("--port", "0", "--sessions", "memory:", "--log-level", "warning"),
        stdout=asyncio.subprocess.PIPE,
        env=env,
        cwd=HERE,  # --agent modules are found in the current folder first
    )
    assert process.stdout is not None
    line = (await asyncio.wait_for(process.stdout.readline(), 60)).decode()
    found = READY.match(line)
    if not found:
        process.kill()
        raise SystemExit(f"the server did not start: {line!r}")
    return process, found[1]


async def stop(process: asyncio.subprocess.Process) -> None:
    if process.returncode is None:
        process.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(process.wait(), 15)
        except TimeoutError:
            process.kill()
            await process.wait()


async def main(clients: int, runs_each: int) -> bool:
    runs = clients * runs_each
    print(
        f"serve_load: {clients} concurrent clients × {runs_each} runs = {runs} runs per round, "
        f"{CHUNKS} text deltas per reply, in-memory sessions, {ROUNDS} rounds (+1 warm-up)"
    )
    process, url = await start_server()
    try:
        await served_round(url, clients, 1, "warm")
        cpu_before = cpu_seconds(process.pid)
        served = [await served_round(url, clients, runs_each, f"r{i}") for i in range(ROUNDS)]
        server_cpu_ms = (cpu_seconds(process.pid) - cpu_before) / (ROUNDS * runs) * 1000
        rss_now, rss_peak = memory_mb(process.pid)
    finally:
        await stop(process)
    await in_process_round(clients, 1, "warm")
    local = [await in_process_round(clients, runs_each, f"r{i}") for i in range(ROUNDS)]

    def figures(rounds: list[tuple[float, list[float]]]) -> tuple[float, float, float]:
        rate = statistics.median(r for r, _ in rounds)
        p50 = statistics.median(percentile(f, 0.5) for _, f in rounds) * 1000
        p99 = max(percentile(f, 0.99) for _, f in rounds) * 1000
        return rate, p50, p99

    http_rate, http_p50, http_p99 = figures(served)
    local_rate, local_p50, local_p99 = figures(local)
    print(f"{'':24}{'runs/s':>10}{'p50 first event':>18}{'p99 first event':>18}")
    print(f"{'over HTTP (SSE)':24}{http_rate:>10.1f}{http_p50:>15.1f} ms{http_p99:>15.1f} ms")
    print(f"{'in-process Runner':24}{local_rate:>10.1f}{local_p50:>15.1f} ms{local_p99:>15.1f} ms")
    print(f"server CPU per run: {server_cpu_ms:.2f} ms (HTTP, routing, SSE framing, event JSON)")
    print(f"server memory: {rss_now:.1f} MB resident after the rounds, peak {rss_peak:.1f} MB")
    # No SPEC budget covers serving; these are sanity bounds for 2 cores shared with the
    # clients: throughput a tenth of the bare runner's, a first event within half a second
    # at this concurrency, and memory that does not grow with the runs served.
    ok = report("runs/s over HTTP", http_rate, local_rate, "runs/s", 0.1, lower_is_better=False)
    ok &= report_abs("p99 time to first event over HTTP", http_p99, "ms", 500)
    ok &= report_abs("server peak resident memory", rss_peak, "MB", 300)
    return ok


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=CLIENTS)
    parser.add_argument("--runs-each", type=int, default=RUNS_EACH)
    args = parser.parse_args()
    clients = max(1, min(args.clients, 256))  # bounded, whatever is asked
    runs_each = max(1, min(args.runs_each, 100))

    async def bounded() -> bool:
        async with asyncio.timeout(DEADLINE_S):
            return await main(clients, runs_each)

    sys.exit(0 if asyncio.run(bounded()) else 1)
