"""A station's day from the command line: ``biokg record add``, ``biokg question …`` and ``biokg audit``.

The command line acts as ``local`` (whoever may open the files may do anything); every write is
audited as ``local:<user>``.  The same checks and the same JSON as the API (``api.workflow``).
"""

from __future__ import annotations

from datetime import date

import typer

from api.cli_common import JSON, STORE, emit, err, errors_reported, open_configured, out, settings_of
from api.settings import Settings
from ontology.dates import SPELLINGS, day_or_today, parse_day
from ontology.questions import STATES, Question

record_app = typer.Typer(no_args_is_help=True, help="Service records (工作记录): a station's work log.")
question_app = typer.Typer(no_args_is_help=True, help="Enterprise questions (分级分类服务, 闭环管理): add, answer, "
                                                      "escalate, close, reopen, list, show.")
audit_app = typer.Typer(help="The audit trail of every write: list it, or verify its hash chain.")

DATE = typer.Option(None, "--date", help=f"The day it happened (default today; {SPELLINGS}).")
NOTE = typer.Option(None, "--note", help="A note kept with it.")
AS_OF = typer.Option(None, "--as-of", help="As it stood at the end of this day (default today).")


def _ledger(ctx: typer.Context):
    from graph.ledger import Ledger

    ledger = Ledger(settings_of(ctx).ledger_path)
    ctx.call_on_close(ledger.close)
    return ledger


def _book(ctx: typer.Context):
    from graph.question_book import QuestionBook

    return QuestionBook(_ledger(ctx))


def _calendar(ctx: typer.Context):
    from api.cli_calendar import calendar_of

    return calendar_of(settings_of(ctx))


def questions_of(settings: Settings, stations: list[str] | None = None, enterprise: str | None = None
                 ) -> list[Question]:
    """The questions of the ledger (of ``stations``, of ``enterprise`` when given); none before there
    is a ledger (a read makes no file)."""
    from graph.ledger import Ledger
    from graph.question_book import QuestionBook

    if not settings.ledger_path.exists():
        return []
    ledger = Ledger(settings.ledger_path)
    try:
        return QuestionBook(ledger).questions(stations, enterprise)
    finally:
        ledger.close()


def _day(text: str | None, option: str) -> date:
    return day_or_today(option, text)


# ---------------------------------------------------------------------------------- records

@record_app.command("add")
def record_add(
    ctx: typer.Context,
    station: str = typer.Option(..., "--station", help="The station (id or name)."),
    target: str = typer.Option(..., "--target", help="The enterprise, product, key project, institution or park."),
    kind: str = typer.Option(..., "--type", help="tracking | visit | consultation | training (or 跟踪服务, 走访 …)."),
    day: str | None = DATE,
    note: str | None = NOTE,
    store: str | None = STORE,
    as_json: bool = JSON,
) -> None:
    """Record a service: written at once, counted by coverage on the next read; a repeat is no second record."""
    from dataclasses import asdict

    from api.auth import LOCAL
    from api.workflow import add_record

    with errors_reported(as_json):
        db = open_configured(settings_of(ctx), store, ctx)
        done = add_record(db, _ledger(ctx), LOCAL, station, target, day, kind, note)
        if as_json:
            emit(asdict(done))
        else:
            out.print(f"{'recorded' if done.created else 'already recorded'} {done.id}: {done.station} → "
                      f"{done.target}, {done.type} on {done.date}")


# ---------------------------------------------------------------------------------- questions

def _show(ctx: typer.Context, q: Question, as_json: bool, as_of: date | None = None, what: str = "") -> None:
    from api.output_workflow import question_json
    from api.workflow import at_hand
    from queries.questions import state_of

    s = state_of(q, _calendar(ctx), as_of) if as_of else at_hand(q, _calendar(ctx))
    if as_json:
        emit(question_json(s, q))
        return
    if s.due_provisional:
        err.print(f"warning: the due day {s.due} counts days of a year without official calendar data "
                  "(weekends only; load it with biokg calendar load FILE)")
    due = f", due {s.due}{' (overdue)' if s.overdue else ''}" if s.due else ""
    out.print(f"{what}{q.id}  {s.state}{due}", markup=False)


@question_app.command("add")
def question_add(
    ctx: typer.Context,
    station: str = typer.Option(..., "--station", help="The station taking it (id or name)."),
    enterprise: str = typer.Option(..., "--enterprise", help="The enterprise asking (id or name)."),
    category: str = typer.Option(..., "--category", help="registration, industrial_policy, business_registration, "
                                                         "intellectual_property, quality, standards, "
                                                         "medical_insurance, advertising, other (or 产品注册 …)."),
    text: str = typer.Option(..., "--text", help="What the enterprise asks (kept private)."),
    day: str | None = DATE,
    store: str | None = STORE,
    as_json: bool = JSON,
) -> None:
    """Take an enterprise question; prints its id (asking the same again gives the same question)."""
    from api.auth import LOCAL
    from api.workflow import ask

    with errors_reported(as_json):
        db = open_configured(settings_of(ctx), store, ctx)
        q, created = ask(db, _book(ctx), LOCAL, station, enterprise, category, text, day)
        if as_json:
            from api.output_workflow import question_json
            from queries.questions import state_of

            emit({**question_json(state_of(q, _calendar(ctx), q.asked), q), "created": created})
        else:
            out.print(q.id if created else f"{q.id} (already there)", markup=False)


def _step_command(action: str, summary: str, with_to: bool = False):
    def command(
        ctx: typer.Context,
        question: str = typer.Argument(..., metavar="ID", help="The question's id."),
        to: str | None = typer.Option(..., "--to", help="The department (an agency: id or name).") if with_to
        else typer.Option(None, hidden=True),
        day: str | None = DATE,
        note: str | None = NOTE,
        store: str | None = STORE,
        as_json: bool = JSON,
    ) -> None:
        from api.auth import LOCAL
        from api.workflow import step

        with errors_reported(as_json):
            db = open_configured(settings_of(ctx), store, ctx)
            done = step(db, _book(ctx), LOCAL, question, action, day, note, to)
            _show(ctx, done.after, as_json, what="" if done.changed else "unchanged: ")

    command.__doc__ = summary
    return command


question_app.command("answer")(_step_command("answer", "Answer it: at once (basic tier) or the department's answer."))
question_app.command("escalate")(_step_command(
    "escalate", "Escalate it to a department, through the station's core where it has one; due in 5 working days.",
    with_to=True))
question_app.command("close")(_step_command("close", "Close an answered question (the loop is closed)."))
question_app.command("reopen")(_step_command("reopen", "Reopen an answered or closed question."))


@question_app.command("list")
def question_list(
    ctx: typer.Context,
    station: str | None = typer.Option(None, "--station", help="One station (a core: with its members')."),
    state: str | None = typer.Option(None, "--state", help=" | ".join(STATES)),
    overdue: bool = typer.Option(False, "--overdue", help="Only the overdue ones."),
    as_of: str | None = AS_OF,
    store: str | None = STORE,
    as_json: bool = JSON,
) -> None:
    """The questions as they stood at the end of a day, by day asked."""
    from api.auth import LOCAL
    from api.output_workflow import question_json
    from api.workflow import listed

    with errors_reported(as_json):
        day = _day(as_of, "--as-of")
        db = open_configured(settings_of(ctx), store, ctx)
        rows = [{**question_json(s), "text": q.text}
                for s, q in listed(db, _book(ctx), LOCAL, _calendar(ctx), station, state, overdue, day)]
        if as_json:
            emit({"data": rows, "count": len(rows)})
            return
        for r in rows:
            due = f"due {r['due']}{' OVERDUE' if r['overdue'] else ''}" if r["due"] else ""
            out.print(f"{r['id']}  {r['asked']}  {r['station']}  {r['enterprise']}  {r['category']}  "
                      f"{r['state']}  {due}", markup=False)
        err.print(f"{len(rows)} question(s) as of {day}")


@question_app.command("show")
def question_show(ctx: typer.Context, question: str = typer.Argument(..., metavar="ID"), as_of: str | None = AS_OF,
                  as_json: bool = JSON) -> None:
    """One question with its text and every step."""
    with errors_reported(as_json):
        q = _book(ctx).get(question)
        day = _day(as_of, "--as-of") if as_of else None
        if day is not None:  # the question as it stood then: its later steps not yet taken
            q = q.as_of(day)
        if as_json:
            _show(ctx, q, True, day)
            return
        _show(ctx, q, False, day)
        out.print(f"{q.asked}  asked at {q.station} by {q.enterprise} ({q.category}): {q.text}", markup=False)
        for t in q.steps:
            to = f" → {' → '.join(t.path)}" if t.path else ""
            out.print(f"{t.day}  {t.action}{to}  {t.note}  ({t.key_id and 'bkg_' + t.key_id or t.role})",
                      markup=False)


# ---------------------------------------------------------------------------------- audit

@audit_app.callback(invoke_without_command=True)
def audit(ctx: typer.Context, since: str | None = typer.Option(None, "--since", help="Entries from this day on "
                                                                                   "(a day in China)."),
          limit: int | None = typer.Option(None, "--limit", min=1, help="Only the last N entries."),
          as_json: bool = JSON) -> None:
    """The audit trail, oldest first (`biokg audit verify` checks its chain)."""
    if ctx.invoked_subcommand is not None:
        return
    from dataclasses import asdict

    from ontology.dates import china_midnight_utc

    with errors_reported(as_json):
        start = china_midnight_utc(parse_day("--since", since)) if since else None
        entries = _ledger(ctx).entries(0, 1 << 62, start)
        shown = entries[-limit:] if limit else entries
        if as_json:
            emit({"data": [asdict(e) for e in shown], "count": len(shown)})
            return
        for e in shown:
            out.print(f"{e.seq:>6}  {e.at}  {e.actor:<16} {e.role:<8} {e.action:<20} {e.status}  {e.target}",
                      markup=False)
        err.print(f"{len(shown)} of {len(entries)} entries" + (f" since {since}" if since else ""))


@audit_app.command("verify")
def audit_verify(ctx: typer.Context, head: str | None = typer.Option(
                     None, "--head", help="SEQ:HASH printed by an earlier verify: that entry must still be there."),
                 as_json: bool = JSON) -> None:
    """Check the hash chain: an entry edited, deleted or inserted is found (exit 1). Keep the head it
    prints somewhere else and pass it next time with --head: then a cut end is found too."""
    with errors_reported(as_json):
        v = _ledger(ctx).verify(head)
        if as_json:
            emit({"ok": v.ok, "entries": v.entries, "head": v.head,
                  "problems": [{"seq": s, "message": m} for s, m in v.problems]})
        else:
            for seq, message in v.problems:
                err.print(f"entry {seq}: {message}", markup=False)
            out.print(f"{'ok' if v.ok else 'TAMPERED'}: {v.entries} entries, head {v.head}")
        if not v.ok:
            raise typer.Exit(1)
