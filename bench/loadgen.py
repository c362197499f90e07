"""A small HTTP/1.1 load generator: N keep-alive connections on loopback, asyncio protocols on raw sockets.

``python -m bench.loadgen SPEC.json --seconds 15 [--max-requests N] [--connections 32]`` reads a
scenario (the same one ``bench.http_load`` turns into a wrk Lua script when wrk is installed):

    {"host": "127.0.0.1", "port": 8000,
     "gets": [[path, key], ...],                       # reads, picked at random
     "write_every": 11,                                # 0: reads only; n: every n-th request is a write
     "writers": [[station, key], ...], "targets": [id, ...], "date": "2026-11-20", "tag": "run-1",
     "ids_path": "acked.ids"}                          # where the ids of the records answered 201 go

and prints one JSON line: requests, seconds, statuses, socket errors (timeouts among them: no answer
within ``--timeout`` s, after which the connection is replaced), and latency percentiles (ms),
overall and for reads and writes apart.  Each connection sends its next request when the answer to
the previous one has arrived (closed loop, as wrk does); the run stops at ``--seconds`` or after
``--max-requests`` answers, whichever comes first.  It uses uvloop when that is installed.  Only
the standard library otherwise: no HTTP client library, so that a request costs the generator
little of the CPU the server needs.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import resource
import sys
import time


class Scenario:
    def __init__(self, spec: dict, seed: int):
        self.rng = random.Random(seed)
        host = f"{spec['host']}:{spec['port']}"
        self.gets = [(f"GET {path} HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {key}\r\n\r\n").encode()
                     for path, key in spec["gets"]]
        self.every = spec.get("write_every", 0)
        self.writers, self.targets = spec.get("writers", []), spec.get("targets", [])
        self.date, self.tag, self.host = spec.get("date", "2026-11-20"), spec.get("tag", "loadgen"), host
        self.n = 0

    def next(self) -> tuple[str, bytes]:
        self.n += 1
        if self.every and self.n % self.every == 0:
            station, key = self.rng.choice(self.writers)
            body = json.dumps({"station": station, "target": self.rng.choice(self.targets), "date": self.date,
                               "type": "visit", "note": f"{self.tag} {self.n}"}).encode()
            head = (f"POST /api/v1/records HTTP/1.1\r\nHost: {self.host}\r\nAuthorization: Bearer {key}\r\n"
                    f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n").encode()
            return "write", head + body
        return "read", self.rng.choice(self.gets)


class Run:
    def __init__(self, scenario: Scenario, deadline: float, max_requests: int, timeout: float, host: str, port: int):
        self.scenario, self.deadline, self.max_requests = scenario, deadline, max_requests
        self.timeout, self.host, self.port = timeout, host, port
        self.timeouts = 0
        self.acked: list[str] = []  # ids of the records answered 201
        self.latency: dict[str, list[int]] = {"read": [], "write": []}
        self.statuses: dict[int, int] = {}
        self.socket_errors = self.answers = 0
        self.open = 0
        self.finished = asyncio.get_running_loop().create_future()

    def more(self) -> bool:
        return self.answers < self.max_requests and time.monotonic() < self.deadline

    def closed(self) -> None:
        self.open -= 1
        if self.open == 0 and not self.finished.done():
            self.finished.set_result(None)

    def connect(self) -> None:
        """Open one more connection (in place of one that failed or timed out)."""
        self.open += 1

        async def go() -> None:
            try:
                await asyncio.get_running_loop().create_connection(lambda: Connection(self), self.host, self.port)
            except OSError:
                self.socket_errors += 1
                self.closed()

        asyncio.get_running_loop().create_task(go())


class Connection(asyncio.Protocol):
    """One keep-alive connection: send a request, read its answer (Content-Length or chunked), repeat."""

    def __init__(self, run: Run):
        self.run, self.buf, self.transport, self.done, self.timer = run, bytearray(), None, False, None

    def connection_made(self, transport) -> None:
        self.transport = transport
        self.send()

    def send(self) -> None:
        if not self.run.more():
            self.done = True
            self.transport.close()
            return
        self.tag, data = self.run.scenario.next()
        self.start = time.perf_counter_ns()
        self.timer = asyncio.get_running_loop().call_later(self.run.timeout, self.expire)
        self.transport.write(data)

    def expire(self) -> None:
        """No answer within the timeout: an error; this connection is dropped and another opened."""
        self.run.timeouts += 1
        self.done = True
        self.transport.close()
        if self.run.more():
            self.run.connect()

    def data_received(self, data: bytes) -> None:
        self.buf += data
        while True:
            head_end = self.buf.find(b"\r\n\r\n")
            if head_end < 0:
                return
            head = bytes(self.buf[:head_end]).decode("latin-1")
            lines = head.split("\r\n")
            status = int(lines[0].split(" ", 2)[1])
            headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
            if "content-length" in headers:
                end = head_end + 4 + int(headers["content-length"])
                if len(self.buf) < end:
                    return
            elif headers.get("transfer-encoding", "").lower() == "chunked":
                tail = self.buf.find(b"\r\n0\r\n\r\n", head_end)
                if tail < 0:
                    return
                end = tail + 7
            else:
                end = head_end + 4
            if status == 201:
                try:
                    self.run.acked.append(json.loads(bytes(self.buf[head_end + 4:end]))["id"])
                except (ValueError, KeyError, TypeError):
                    pass
            del self.buf[:end]
            self.timer.cancel()
            self.run.latency[self.tag].append(time.perf_counter_ns() - self.start)
            self.run.statuses[status] = self.run.statuses.get(status, 0) + 1
            self.run.answers += 1
            if headers.get("connection", "").lower() == "close":
                self.done = True
                self.transport.close()
                self.run.socket_errors += 1  # the server closed a keep-alive connection: counted as an error
                return
            self.send()

    def connection_lost(self, exc) -> None:
        if self.timer is not None:
            self.timer.cancel()
        if not self.done:
            self.run.socket_errors += 1
            if self.run.more():
                self.run.connect()
        self.run.closed()


def percentiles(ns: list[int]) -> dict:
    if not ns:
        return {"n": 0}
    ordered = sorted(ns)

    def at(q: float) -> float:
        return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))] / 1e6

    return {"n": len(ordered), "p50": at(0.5), "p90": at(0.9), "p99": at(0.99), "p999": at(0.999),
            "max": ordered[-1] / 1e6, "mean": sum(ordered) / len(ordered) / 1e6}


async def main_async(spec: dict, seconds: float, max_requests: int, connections: int, seed: int,
                     timeout: float) -> dict:
    loop = asyncio.get_running_loop()
    run = Run(Scenario(spec, seed), time.monotonic() + seconds, max_requests, timeout, spec["host"], spec["port"])
    cpu0, t0 = resource.getrusage(resource.RUSAGE_SELF), time.perf_counter()
    for _ in range(connections):
        try:
            await loop.create_connection(lambda: Connection(run), spec["host"], spec["port"])
            run.open += 1
        except OSError:
            run.socket_errors += 1
    if run.open:
        await asyncio.wait_for(asyncio.shield(run.finished), seconds + timeout + 30)
    wall = time.perf_counter() - t0
    if spec.get("ids_path"):
        with open(spec["ids_path"], "w", encoding="utf-8") as f:
            f.write("".join(f"{i}\n" for i in run.acked))
    cpu1 = resource.getrusage(resource.RUSAGE_SELF)
    cpu = (cpu1.ru_utime - cpu0.ru_utime) + (cpu1.ru_stime - cpu0.ru_stime)
    both = run.latency["read"] + run.latency["write"]
    return {"requests": run.answers, "seconds": wall, "statuses": {str(k): v for k, v in sorted(run.statuses.items())},
            "socket_errors": run.socket_errors + run.timeouts, "timeouts": run.timeouts,
            "latency_ms": percentiles(both),
            "read_ms": percentiles(run.latency["read"]), "write_ms": percentiles(run.latency["write"]),
            "cpu_s": cpu, "uvloop": loop.__class__.__module__.startswith("uvloop")}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.loadgen")
    parser.add_argument("spec", help="the scenario, a JSON file")
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--max-requests", type=int, default=10_000_000)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--timeout", type=float, default=10, help="seconds to wait for an answer: then an error")
    args = parser.parse_args(argv)
    with open(args.spec, encoding="utf-8") as f:
        spec = json.load(f)
    try:
        import uvloop

        runner = uvloop.run
    except ImportError:
        runner = asyncio.run
    result = runner(main_async(spec, args.seconds, args.max_requests, args.connections, args.seed,
                                   args.timeout))
    print(json.dumps(result))


if __name__ == "__main__":
    sys.exit(main())
