"""Writing over HTTP: service records (stations), loads and unloads, keys and the audit trail (admins).

Every write, and every write refused for want of a right, is recorded in the audit trail with the
key that asked.  A service record is validated exactly as a row of ``service_records.csv`` is (the
same loader, references by id or name), so a record that would not load is not written either.
"""

from __future__ import annotations

import shutil
import tempfile
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path as FilePath

from fastapi import APIRouter, Depends, File, Form, Path, Query, UploadFile
from fastapi.responses import JSONResponse

from api import output
from api.auth import Principal
from api.deps import MAX_LIMIT, Context, allowed, caller, context, decode_cursor, encode_cursor, needs
from api.models import (
    AuditPage,
    ErrorOut,
    KeyCreatedOut,
    KeyIn,
    KeyList,
    KeyOut,
    LoadReportOut,
    MappingReportOut,
    RecordIn,
    RecordOut,
    UnloadOut,
)
from api.workflow import add_record, resolved
from ontology import (
    BiokgError,
    InvalidInput,
    LoadError,
    Location,
    Problem,
    TooLarge,
)
from ontology.dates import china_midnight_utc, parse_day
from queries.terms import node_id

router = APIRouter(prefix="/api/v1", tags=["writes"])
ZIP_ENTRIES, ZIP_BYTES = 1_000, 1 << 30  # a zip beyond these is refused (a zip bomb, or not a region)


@contextmanager
def audited(ctx: Context, who: Principal, action: str, target: str, detail: dict | None = None) -> Iterator[dict]:
    """Record a refused or failed write in the audit trail with the error's status.  A write that
    succeeds is audited where it is made (``api.workflow``, ``KeyRing``), or here when the body sets
    ``status`` (and ``before``/``after``) in the dict it is given."""
    extra: dict = {}
    try:
        yield extra
    except BiokgError as exc:
        if who.key_id is not None:  # refusals without a key are the access log's (no flooding the trail)
            ctx.ledger.record(who.actor, action, target, exc.http_status, None, None,
                              {**(detail or {}), "error": str(exc)[:500]})
        raise
    if "status" in extra:
        status, before, after = extra.pop("status"), extra.pop("before", None), extra.pop("after", None)
        ctx.ledger.record(who.actor, action, target, status, before, after, {**(detail or {}), **extra})


# ---------------------------------------------------------------------------------- records

@router.post("/records", status_code=201, response_model=RecordOut,
             responses={200: {"model": RecordOut, "description": "the same record was already there"},
                        422: {"model": ErrorOut, "description": "a field does not validate (details name each)"}},
             openapi_extra=needs("records"))
def create_record(body: RecordIn, who: Principal = Depends(caller), ctx: Context = Depends(context)):
    """A station's service record (工作记录): written at once and counted by coverage on the next read.
    A station key writes only for its own station."""
    with audited(ctx, who, "records.create", body.station, {"target": body.target}):
        source = f"POST /api/v1/records ({f'key bkg_{who.key_id}' if who.key_id else 'anonymous'})"
        done = add_record(ctx.store, ctx.ledger, who, body.station, body.target, body.date, body.type, body.note,
                          body.id, source)
    return JSONResponse(RecordOut(**asdict(done)).model_dump(), status_code=201 if done.created else 200)


# ---------------------------------------------------------------------------------- loads

def _save_uploads(files: list[UploadFile], folder: FilePath, limit: int) -> tuple[list[FilePath], list[str]]:
    """Write the uploads under ``folder``, unpacking zips; the files and folders to load (each folder
    holding tables) and the path prefixes that locations should not show."""
    from loaders.tables import discover

    total, loose, unpacked = 0, folder / "files", folder / "zips"
    loose.mkdir()
    prefixes = [f"{loose}/"]
    for n, upload in enumerate(files):
        name = FilePath(upload.filename or "").name
        if not name or name.startswith("."):
            raise InvalidInput(f"upload {upload.filename!r}: give each file a name")
        target = loose / name
        try:
            with target.open("wb") as out:
                while chunk := upload.file.read(1 << 20):
                    total += len(chunk)
                    if total > limit:
                        raise TooLarge(f"uploads beyond {limit // (1 << 20)} MiB are refused")
                    out.write(chunk)
        except OSError as exc:
            raise InvalidInput(f"upload {name[:80]!r}: cannot be stored ({exc.strerror})") from None
        if name.lower().endswith(".zip"):
            into = unpacked / str(n)
            _unzip(target, into)
            target.unlink()
            prefixes.append(f"{into}/")
    folders = sorted({f.parent for f in unpacked.rglob("*") if f.is_file()}) if unpacked.exists() else []
    found = [loose, *folders]
    if not any(True for _ in discover(found)):
        raise InvalidInput("the upload holds no CSV, TSV or XLSX table")
    return found, prefixes


def _unzip(archive: FilePath, into: FilePath) -> None:
    try:
        with zipfile.ZipFile(archive) as z:
            entries = [i for i in z.infolist() if not i.is_dir()]
            if len(entries) > ZIP_ENTRIES or sum(i.file_size for i in entries) > ZIP_BYTES:
                raise TooLarge(f"{archive.name}: more than {ZIP_ENTRIES} files or {ZIP_BYTES >> 20} MiB unpacked")
            for info in entries:
                parts = FilePath(info.filename).parts
                if info.filename.startswith(("/", "\\")) or ".." in parts or any(":" in p for p in parts):
                    raise InvalidInput(f"{archive.name}: entry {info.filename!r} points outside the archive")
                if any(p.startswith((".", "__MACOSX")) for p in parts):
                    continue
                dest = into.joinpath(*parts)
                dest.parent.mkdir(parents=True, exist_ok=True)
                with z.open(info) as src, dest.open("wb") as out:
                    shutil.copyfileobj(src, out)
    except zipfile.BadZipFile as exc:
        raise InvalidInput(f"{archive.name}: not a zip file ({exc})") from None
    except OSError as exc:  # an entry both a file and a folder, a name too long for the file system
        raise InvalidInput(f"{archive.name}: an entry cannot be unpacked ({exc.strerror}: "
                           f"{str(exc.filename)[-80:]!r})") from None


def _shown(path: str, prefixes: list[str]) -> str:
    for prefix in prefixes:
        if path.startswith(prefix):
            return path[len(prefix):]
    return path


def _tidied(data, prefixes: list[str]):
    """A report with every path shown as the uploaded file's own name."""
    if isinstance(data, str):
        return _shown(data, prefixes)
    if isinstance(data, list):
        return [_tidied(v, prefixes) for v in data]
    if isinstance(data, dict):
        return {k: _tidied(v, prefixes) for k, v in data.items()}
    return data


def _relative(exc: LoadError, prefixes: list[str]) -> LoadError:
    """Problems located in the uploaded files' own names, not the server's temporary folder."""
    return LoadError([Problem(Location(_shown(p.location.file, prefixes), p.location.line, p.location.column),
                              p.message, p.severity) for p in exc.problems], exc.summary)


@router.post("/loads", status_code=201, response_model=LoadReportOut | MappingReportOut,
             responses={200: {"model": LoadReportOut | MappingReportOut,
                              "description": "check=true: what a load would do; nothing was written"},
                        422: {"model": ErrorOut, "description": "the files have problems (details locate each)"}},
             openapi_extra=needs("loads"))
def create_load(files: list[UploadFile] = File(..., description="CSV/TSV/XLSX files, or a zip of a folder"),
                mapping: str | None = Form(None, max_length=200, description="a shipped mapping's name, for "
                                                                             "foreign files"),
                check: bool = Query(False, description="validate exactly as a load would; write nothing"),
                skip_invalid: bool = Query(False, description="write the valid rows, report the rest"),
                who: Principal = Depends(allowed("loads")), ctx: Context = Depends(context)):
    """Load files as `biokg load` does: 201 and the report, or 422 and the located problems (nothing written)."""
    names = [f.filename or "" for f in files]
    with audited(ctx, who, "loads.create", ",".join(names)[:500], {"check": check, "mapping": mapping}) as result, \
            tempfile.TemporaryDirectory(prefix="biokg-upload-") as tmp:
        paths, prefixes = _save_uploads(files, FilePath(tmp), int(ctx.settings.max_body_mb * (1 << 20)))
        try:
            if mapping is not None:
                from loaders.mapping.apply import load_mapping
                from loaders.mapping.registry import load_spec, shipped

                if mapping not in shipped():
                    raise InvalidInput(f"mapping {mapping!r}: use a shipped mapping ({', '.join(shipped())})")
                spec = load_spec(mapping)[1]
                report = load_mapping(ctx.store, spec, paths, skip_invalid=skip_invalid, check=check)
                body = output.mapping_report_json(report, check)
            else:
                from loaders.load import load_paths

                report = load_paths(ctx.store, paths, skip_invalid=skip_invalid, check=check)
                body = output.report_json(report, check)
        except LoadError as exc:
            raise _relative(exc, prefixes) from None
        result.update(status=200 if check else 201, load_id=report.load_id,
                      after=None if check else {"load_id": report.load_id, **body.get("result", {})})
    return JSONResponse(_tidied(body, prefixes), status_code=200 if check else 201)


@router.delete("/loads/{load_id}", response_model=UnloadOut, openapi_extra=needs("loads"))
def delete_load(load_id: str = Path(..., min_length=1, max_length=200),
                who: Principal = Depends(allowed("loads")), ctx: Context = Depends(context)) -> dict:
    """Take one load back (as `biokg unload`): what it last wrote, and what its merges added elsewhere."""
    from loaders.mapping.undo import unload

    with audited(ctx, who, "loads.delete", load_id) as result:
        before = output.load_summary(ctx.store, load_id)
        done = unload(ctx.store, load_id)
        result.update(status=200, before=before, after=None, nodes_deleted=done.nodes_deleted,
                      edges_deleted=done.edges_deleted)
    return {"load_id": load_id, "nodes_deleted": done.nodes_deleted, "edges_deleted": done.edges_deleted}


# ---------------------------------------------------------------------------------- keys, audit

@router.get("/keys", response_model=KeyList, openapi_extra=needs("keys"))
def list_keys(_=Depends(allowed("keys")), ctx: Context = Depends(context)) -> dict:
    """Every key: id, display prefix, role, station, expiry, revoked (never a secret)."""
    keys = ctx.keys.keys()
    return {"data": [output.key_json(k) for k in keys], "count": len(keys), "next": None}


@router.post("/keys", status_code=201, response_model=KeyCreatedOut,
             responses={422: {"model": ErrorOut, "description": "the station does not validate"}},
             openapi_extra=needs("keys"))
def create_key(body: KeyIn, who: Principal = Depends(allowed("keys")), ctx: Context = Depends(context)) -> dict:
    """A new key; the answer holds the key itself, shown this once."""
    with audited(ctx, who, "keys.create", body.role, {"station": body.station}):
        station = resolved("station", lambda: node_id(ctx.store, body.station, ("Station",), "station")) \
            if body.station else None
        key, secret = ctx.keys.create(body.role, station, parse_day("expires", body.expires), by=who)
    return output.created_key_json(key, secret)


@router.delete("/keys/{key_id}", response_model=KeyOut, openapi_extra=needs("keys"))
def revoke_key(key_id: str = Path(..., min_length=1, max_length=40), who: Principal = Depends(allowed("keys")),
               ctx: Context = Depends(context)) -> dict:
    """Revoke a key: it is refused (401) from the next request on."""
    with audited(ctx, who, "keys.revoke", key_id):
        return output.key_json(ctx.keys.revoke(key_id, by=who))


@router.get("/audit", response_model=AuditPage, openapi_extra=needs("audit"))
def audit(limit: int = Query(100, ge=1, le=MAX_LIMIT), cursor: str | None = Query(None, max_length=200),
          since: str | None = Query(None, max_length=40, description="entries from this day on (a day in China)"),
          _=Depends(allowed("audit")), ctx: Context = Depends(context)) -> dict:
    """The audit trail, oldest first: when, which key and role, what, the values before and after, and
    the writes refused.  Each entry carries the hash of the one before (`biokg audit verify`)."""
    start = china_midnight_utc(parse_day("since", since)) if since else None
    after = decode_cursor(cursor, ["audit", start], bound=None)
    entries = ctx.ledger.entries(after, limit + 1, start)
    shown = entries[:limit]
    return {"data": [asdict(e) for e in shown], "count": len(shown),
            "next": encode_cursor(shown[-1].seq, ["audit", start]) if len(entries) > limit else None}
