"""Load generation for ``bench.http_load``: a scenario (a JSON spec of request sets) run as one or more
``wrk`` processes (a Lua script makes the requests) or ``bench.loadgen`` processes, opened in waves,
with their figures summed and their own CPU time taken (``wait4``)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

from bench.report import ROOT

WRITE_EVERY = 11  # one write to ten reads
RECORD_DAY = "2026-11-20"
TIMEOUT = 10  # seconds a client waits for an answer; then an error (and a new connection)


def _lua(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


LUA = r"""
local every = %(every)d
local date, tag = %(date)s, %(tag)s
local keys = {%(keys)s}
local gets = {%(gets)s}
local writers = {%(writers)s}
local targets = {%(targets)s}
local threads, counter = {}, 1

function setup(thread)
  thread:set("tid", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

local reqs, n = {}, 0
function init(args)
  math.randomseed(%(seed)d * 1000 + tid)
  statuses, ids = {}, {}
  for i, g in ipairs(gets) do
    reqs[i] = wrk.format("GET", g[1], {["Authorization"] = "Bearer " .. keys[g[2]]})
  end
end

function request()
  n = n + 1
  if every > 0 and n %% every == 0 then
    local w = writers[math.random(#writers)]
    local body = '{"station":"' .. w[1] .. '","target":"' .. targets[math.random(#targets)] .. '","date":"' ..
      date .. '","type":"visit","note":"' .. tag .. ' ' .. tid .. '-' .. n .. '"}'
    return wrk.format("POST", "/api/v1/records",
      {["Authorization"] = "Bearer " .. w[2], ["Content-Type"] = "application/json"}, body)
  end
  return reqs[math.random(#reqs)]
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
  if status == 201 then
    local id = string.match(body, '"id":"([^"]+)"')
    if id then ids[#ids + 1] = id end
  end
end

function done(summary, latency, requests)
  local st = {}
  for _, t in ipairs(threads) do
    for k, v in pairs(t:get("statuses")) do st[k] = (st[k] or 0) + v end
  end
  local parts = {}
  for k, v in pairs(st) do parts[#parts + 1] = string.format('"%%d":%%d', k, v) end
  local f = io.open(%(ids_path)s, "w")
  for _, t in ipairs(threads) do
    for _, id in ipairs(t:get("ids")) do f:write(id, "\n") end
  end
  f:close()
  local e = summary.errors
  io.write(string.format('RESULT {"requests":%%d,"duration_us":%%d,"socket_errors":%%d,"timeouts":%%d,' ..
    '"statuses":{%%s},' ..
    '"latency_us":{"p50":%%.1f,"p90":%%.1f,"p99":%%.1f,"p999":%%.1f,"max":%%.1f,"mean":%%.1f}}\n',
    summary.requests, summary.duration, e.connect + e.read + e.write + e.timeout, e.timeout, table.concat(parts, ","),
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency:percentile(99.9),
    latency.max, latency.mean))
end
"""


def lua_script(spec: dict) -> str:
    keys = list(dict.fromkeys(k for _, k in spec["gets"]))
    index = {k: i + 1 for i, k in enumerate(keys)}
    return LUA % {"every": spec.get("write_every", 0), "seed": spec.get("seed", 1),
                  "date": _lua(spec.get("date", RECORD_DAY)), "ids_path": _lua(spec["ids_path"]),
                  "tag": _lua(spec.get("tag", "bench")), "keys": ",".join(_lua(k) for k in keys),
                  "gets": ",".join(f"{{{_lua(p)},{index[k]}}}" for p, k in spec["gets"]),
                  "writers": ",".join(f"{{{_lua(s)},{_lua(k)}}}" for s, k in spec.get("writers", [])),
                  "targets": ",".join(_lua(t) for t in spec.get("targets", []))}


def _command(spec: dict, seconds: float, generator: str, connections: int, work: Path) -> list[str]:
    name = spec["name"]
    if generator == "wrk":
        script = work / f"{name}.lua"
        script.write_text(lua_script(spec), encoding="utf-8")
        return ["wrk", "-t1", f"-c{connections}", f"-d{seconds:g}s", "--latency", "--timeout", f"{TIMEOUT}s",
                "-s", str(script), f"http://{spec['host']}:{spec['port']}"]
    path = work / f"{name}.json"
    path.write_text(json.dumps(spec), encoding="utf-8")
    return [sys.executable, "-m", "bench.loadgen", str(path), "--seconds", f"{seconds:g}", "--connections",
            str(connections), "--timeout", str(TIMEOUT), "--seed", str(spec.get("seed", 1))]


def _parsed(text: str, generator: str) -> dict:
    if generator == "wrk":
        raw = json.loads(next(line for line in text.splitlines() if line.startswith("RESULT "))[7:])
        got = {"requests": raw["requests"], "seconds": raw["duration_us"] / 1e6, "statuses": raw["statuses"],
               "socket_errors": raw["socket_errors"], "timeouts": raw["timeouts"],
               "latency_ms": {k: v / 1000 for k, v in raw["latency_us"].items()}}
    else:
        got = json.loads(text.strip().splitlines()[-1])
    return {**got, "statuses": {int(k): v for k, v in got["statuses"].items()}}


def _start_waves(spec: dict, seconds: float, generator: str, connections: int, work: Path, waves: int,
                 stagger: float) -> list:
    procs = []
    for i in range(waves):
        wave = {**spec, "name": f"{spec['name']}-{i}", "tag": f"{spec['tag']}-w{i}", "seed": 1 + i,
                "ids_path": str(work / f"{spec['name']}-{i}.ids")}
        cmd = _command(wave, seconds + (waves - 1 - i) * stagger, generator, connections // waves
                       + (i < connections % waves), work)
        out = work / f"{wave['name']}.out"
        with out.open("wb") as sink:
            procs.append((subprocess.Popen(cmd, stdout=sink, stderr=subprocess.STDOUT,
                                           env={**os.environ, "PYTHONPATH": str(ROOT)}), out, cmd,
                          Path(wave["ids_path"])))
        if i < waves - 1:
            time.sleep(stagger)
    return procs


def run_load(spec: dict, seconds: float, generator: str, connections: int, work: Path, waves: int = 1,
             stagger: float = 1.0, balanced=None, on_start=None) -> dict:
    """One closed-loop run of ``connections`` clients, opened in ``waves`` generator processes started
    ``stagger`` s apart (each wave's connections arrive at once, and one worker accepts a whole burst),
    all ending together.  With ``balanced`` (a check of how the workers hold the connections), a start
    the check refuses is stopped and made again (up to 5 times).  ``on_start()`` is called once the
    run is under way.  The generators' figures summed (rates: each wave's over its own length;
    latency: the worse wave's percentiles), and their CPU time (``wait4``)."""
    attempts = 1
    while True:
        t0 = time.perf_counter()
        procs = _start_waves(spec, seconds, generator, connections, work, waves, stagger)
        if balanced is None or attempts == 5:
            break
        time.sleep(0.5)
        if balanced():
            break
        for proc, *_ in procs:  # a lopsided start: stop it, and start again
            proc.kill()
            os.wait4(proc.pid, 0)
            proc.returncode = -9
        attempts += 1
        time.sleep(1)
    if on_start:
        on_start()
    killer = threading.Timer(seconds + waves * stagger + 90, lambda: [p[0].kill() for p in procs])
    killer.start()
    results, cpu = [], 0.0
    try:
        for proc, out, cmd, ids_file in procs:
            _, status, usage = os.wait4(proc.pid, 0)
            proc.returncode = os.waitstatus_to_exitcode(status)
            cpu += usage.ru_utime + usage.ru_stime
            text = out.read_text(encoding="utf-8", errors="replace")
            if proc.returncode != 0:
                raise RuntimeError(f"{cmd[0]} failed ({proc.returncode}):\n{text[-3000:]}")
            results.append({**_parsed(text, generator),
                            "acked": ids_file.read_text().split() if ids_file.exists() else []})
    finally:
        killer.cancel()
        for proc, *_ in procs:  # on an error or an interrupt: no generator left running
            if proc.returncode is None:
                proc.kill()
                proc.wait()
    wall = time.perf_counter() - t0
    statuses: dict[int, int] = {}
    for r in results:
        for k, v in r["statuses"].items():
            statuses[k] = statuses.get(k, 0) + v
    socket_errors = sum(r["socket_errors"] for r in results)
    bad = sum(v for k, v in statuses.items() if not 200 <= k < 300)
    worst = {k: max(r["latency_ms"].get(k, 0) for r in results) for k in ("p50", "p90", "p99", "p999", "max")}
    return {"requests": sum(r["requests"] for r in results), "seconds": seconds,
            "rate": sum(r["requests"] / r["seconds"] for r in results),
            "writes_rate": sum(r["statuses"].get(201, 0) / r["seconds"] for r in results),
            "statuses": statuses, "socket_errors": socket_errors,
            "timeouts": sum(r.get("timeouts", 0) for r in results), "errors": bad + socket_errors,
            "latency_ms": worst, "waves": [{"requests": r["requests"], "seconds": r["seconds"],
                                            "latency_ms": r["latency_ms"]} for r in results],
            "generator_cpu_s": cpu, "generator_wall_s": wall, "attempts": attempts,
            "acked_ids": [i for r in results for i in r["acked"]]}


def pick_generator(choice: str) -> str:
    if choice == "auto":
        return "wrk" if shutil.which("wrk") else "python"
    if choice == "wrk" and not shutil.which("wrk"):
        raise SystemExit("wrk is not installed (apt-get install -y wrk), or use --generator python")
    return choice
