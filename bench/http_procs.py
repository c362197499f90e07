"""Processes and CPU for ``bench.http_load``: what each process and the whole machine spent, read
from /proc; the connections each worker holds (/proc/net/tcp); and ``biokg serve`` run in its own
session, so that the whole process group can be stopped."""

from __future__ import annotations

import http.client
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from bench.report import ROOT

CLK = os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _stat(pid: int) -> list[str] | None:
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return text[text.rindex(")") + 2:].split()  # fields from the 3rd (state) on


def cpu_of(pid: int) -> float:
    """CPU seconds (user + system, all threads) of a live process; 0 when it is gone."""
    f = _stat(pid)
    return (int(f[11]) + int(f[12])) / CLK if f else 0.0


def session_pids(sid: int) -> list[int]:
    out = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (f := _stat(int(entry.name))) and int(f[3]) == sid:
            out.append(int(entry.name))
    return sorted(out)


def machine_cpu() -> tuple[float, float]:
    """(busy, iowait) CPU seconds of the whole machine since boot."""
    user, nice, system, idle, iowait, irq, softirq, steal = (
        int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9])
    return (user + nice + system + irq + softirq + steal) / CLK, iowait / CLK


def _socket_inodes(pid: int) -> set[int]:
    out = set()
    try:
        for fd in os.listdir(f"/proc/{pid}/fd"):
            try:
                link = os.readlink(f"/proc/{pid}/fd/{fd}")
            except OSError:
                continue
            if link.startswith("socket:["):
                out.add(int(link[8:-1]))
    except OSError:
        pass
    return out


def connections_by_pid(pids: list[int], port: int) -> dict[int, int]:
    """How many established connections to ``port`` each process holds (from /proc/net/tcp)."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            f = line.split()
            if f[3] == "01" and int(f[1].rsplit(":", 1)[1], 16) == port:
                inodes.add(int(f[9]))
    return {p: len(_socket_inodes(p) & inodes) for p in pids}


class Server:
    """``biokg serve --workers 2`` in its own session (so that the whole group can be stopped)."""

    def __init__(self, store: str, data_dir: Path, env_extra: dict[str, str], workers: int = 2):
        self.port = free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith("BIOKG_")}
        env.update({"BIOKG_DATA_DIR": str(data_dir), "PYTHONPATH": str(ROOT), **env_extra})
        self.log = open(data_dir / "server.log", "wb")  # noqa: SIM115 - closed in stop()
        cmd = [str(ROOT / ".venv" / "bin" / "biokg"), "serve", "--workers", str(workers), "--no-access-log",
               "--store", store, "--port", str(self.port)]
        if not Path(cmd[0]).exists():
            cmd[:1] = [sys.executable, "-m", "api"]
        self.proc = subprocess.Popen(cmd, env=env, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)
        self.workers = workers

    def ready(self, timeout: float = 300) -> None:
        """Wait until both workers answer /readyz (each worker opens the store itself)."""
        deadline, good = time.monotonic() + timeout, 0
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"biokg serve exited ({self.proc.returncode}):\n{self.tail()}")
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
                conn.request("GET", "/readyz")
                status = conn.getresponse().status
                conn.close()
                good = good + 1 if status == 200 else 0
            except OSError:
                good = 0
            if good >= 8 and (self.workers == 1 or len(self.worker_pids()) >= self.workers):
                return
            time.sleep(0.25 if good else 1)
        raise RuntimeError(f"biokg serve was not ready within {timeout:.0f} s:\n{self.tail()}")

    def worker_pids(self) -> list[int]:
        if self.workers == 1:
            return [self.proc.pid]
        return [p for p in session_pids(self.proc.pid) if p != self.proc.pid]

    def cpu(self) -> dict[int, float]:
        return {p: cpu_of(p) for p in session_pids(self.proc.pid)}

    def tail(self) -> str:
        self.log.flush()
        return (Path(self.log.name).read_bytes()[-4000:]).decode(errors="replace")

    def stop(self) -> None:
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(10)
            except ProcessLookupError:
                pass
        for pid in session_pids(self.proc.pid):  # a worker the master left behind
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.log.close()
