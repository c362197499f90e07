"""A station's work at city scale: question writes, the lists and figures over many questions, the
audit chain's verification, and the alerts and the yearly assessment over the big region.

``python -m bench.workflow [--enterprises 30000] [--questions 20000] [--seed 1]`` generates the
city-scale region of the other benchmarks into an embedded store and a ledger, then times:

- writes through ``api.workflow`` (as ``biokg question …`` and the API make them): take a question,
  escalate it, answer it, each one transaction with its audit entry (WAL, ``synchronous=FULL``);
- reading every question and judging it on the official calendar (the overdue list), and the
  service levels of every station;
- ``Ledger.verify`` over the whole trail (one entry per write above);
- ``alerts`` for one station and for the whole city, and ``scorecard_years`` for three years.

The comparison asked for: the five-working-day rule is judged per question on every read, so the
list's cost per question is the figure to watch; the trail's verification is linear in its entries.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from datetime import date, timedelta
from pathlib import Path

from bench.report import ROOT, fresh_region, write_section

WHERE_THE_TIME_GOES = (
    "Where the time goes: an escalation looks up the station's core among its edges (a station here holds "
    "about 13,000 service records; the embedded store now skips them by the kind of the node at the other end, "
    "which halved it); alerts run the city-wide coverage once (of the window less the horizon: the last "
    "tracking day tells lapsed from lapsing), whatever the station, and read the records of the items and parks "
    "of their scope; the lists judge every question on the calendar on each read "
    "(about 35 µs a question).")


def timed(fn, repeat: int = 3) -> tuple[float, object]:
    best, out = float("inf"), None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t)
    return best, out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.workflow")
    parser.add_argument("--enterprises", type=int, default=30_000)
    parser.add_argument("--questions", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workdir", type=Path, default=ROOT / "bench" / "out" / "workflow")  # ignored by git
    parser.add_argument("--no-report", action="store_true", help="print, do not touch BENCHMARKS.md")
    args = parser.parse_args(argv)

    from api.auth import LOCAL
    from api.workflow import ask, step, visible_questions
    from graph import EmbeddedStore
    from graph.ledger import Ledger
    from graph.question_book import QuestionBook
    from loaders.load import load_paths
    from ontology.workdays import WorkCalendar
    from queries.alerts import alerts
    from queries.assessment import scorecard_years
    from queries.questions import service_levels, state_of

    region = fresh_region(args.workdir, args.enterprises, args.seed)
    store = EmbeddedStore(args.workdir / "store.sqlite")
    load_paths(store, [region])
    ledger = Ledger(args.workdir / "ledger.sqlite")
    book, calendar = QuestionBook(ledger), WorkCalendar()
    rng = random.Random(args.seed)
    stations = sorted(n.id for n in store.nodes("Station"))
    by_station = {s: [n.node.id for n in store.neighbours(s, ["TRACKS"], ["Enterprise"], "out")] for s in stations}
    stations = [s for s in stations if by_station[s]]
    agency = next(n.id for n in store.nodes("Institution") if n.props.get("type") == "agency")

    asks, escalations, answers, ids = [], [], [], []
    start = date(2026, 1, 5)
    for i in range(args.questions):
        station = rng.choice(stations)
        day = start + timedelta(days=rng.randrange(320))
        t = time.perf_counter()
        q, _ = ask(store, book, LOCAL, station, rng.choice(by_station[station]), "registration", f"问题 {i}",
                   day.isoformat())
        asks.append(time.perf_counter() - t)
        ids.append(q.id)
        if i % 2 == 0:
            t = time.perf_counter()
            step(store, book, LOCAL, q.id, "escalate", day.isoformat(), None, agency)
            escalations.append(time.perf_counter() - t)
            if i % 4 == 0:
                t = time.perf_counter()
                step(store, book, LOCAL, q.id, "answer", (day + timedelta(days=rng.randrange(12))).isoformat())
                answers.append(time.perf_counter() - t)
    as_of = date(2026, 11, 30)

    def overdue_list():
        return [s for q in visible_questions(store, book, LOCAL) if (s := state_of(q, calendar, as_of)).overdue]

    list_s, late = timed(overdue_list)
    levels_s, _ = timed(lambda: service_levels(book.questions(), calendar, as_of))
    verify_s, checked = timed(ledger.verify, 1)
    questions = book.questions()
    one = stations[0]
    alert_one_s, _ = timed(lambda: alerts(store, as_of, one, questions, calendar))
    alert_all_s, found = timed(lambda: alerts(store, as_of, None, questions, calendar), 1)
    score_s, assessed = timed(lambda: scorecard_years(store, [2024, 2025, 2026], questions, calendar), 1)

    def ms(values: list[float]) -> str:
        return f"{statistics.median(values) * 1000:.2f} ms (p99 {sorted(values)[int(len(values) * 0.99)] * 1000:.2f})"

    rows = [
        ("take a question (ask + its audit entry)", ms(asks)),
        ("escalate (the path through the core, the step, its audit entry)", ms(escalations)),
        ("answer", ms(answers)),
        (f"the overdue list over all {len(questions):,} questions ({len(late):,} overdue)",
         f"{list_s * 1000:.0f} ms ({list_s / len(questions) * 1e6:.1f} µs per question)"),
        ("service levels of every station", f"{levels_s * 1000:.0f} ms"),
        (f"audit verify ({checked.entries:,} entries, ok: {checked.ok})", f"{verify_s * 1000:.0f} ms"),
        (f"alerts for one station ({one})", f"{alert_one_s * 1000:.0f} ms"),
        (f"alerts for the city ({len(found.lapsed):,} lapsed, {len(found.lapsing):,} lapsing, "
         f"{len(found.questions):,} questions, {len(found.quiet_parks):,} quiet parks)", f"{alert_all_s:.2f} s"),
        (f"scorecard --years 2024 2025 2026 ({len(assessed.histories)} stations)", f"{score_s:.2f} s"),
    ]
    counts = store.counts()
    body = "\n".join([
        "## Station workflow",
        "",
        f"`python -m bench.workflow`: a generated region of {args.enterprises:,} enterprises "
        f"({sum(counts.nodes.values()):,} nodes, {sum(counts.edges.values()):,} edges) on the embedded store, "
        f"{args.questions:,} questions taken through `api.workflow` (half escalated to a department, a quarter "
        "answered), each write one ledger transaction with its audit entry (WAL, `synchronous=FULL`); "
        "the official calendar (`chinesecalendar`).",
        "",
        "| step | time |",
        "|---|---|",
        *(f"| {a} | {b} |" for a, b in rows),
        "",
        WHERE_THE_TIME_GOES,
    ])
    print(body)
    if not args.no_report:
        write_section("workflow", body)
    ledger.close()
    store.close()


if __name__ == "__main__":
    main()
