"""Fixity check of the archive (``morgue verify``): what the database says is there, is there, intact.

What is checked (docs/reliability.md, "Fixity"):

1. **Every WARC pointer opens.** Each distinct ``(warc_file, warc_offset)`` held by a fetch or a
   version names a file in ``warc_dir`` that exists, and a ``response`` record starts at that
   offset. A missing file is one problem naming the file and how many pointers lead to it.
2. **Each record is intact.** The record is read whole with warcio's digest checking: its own
   ``WARC-Block-Digest`` (headers and payload) and ``WARC-Payload-Digest`` must match the bytes
   read back (a flipped bit anywhere in the record, or a gzip member that no longer decompresses,
   is a problem); its length on disk must be the ``warc_length`` the database stored.
3. **The stored SHA-256 matches.** ``fetches.body_sha256`` is the SHA-256 of the body the crawler
   saw (decompressed); it must equal the SHA-256 of the record's payload, decoded the same way.
   Versions store no hash of the response (``content_hash`` hashes the extracted text), so a
   version's record is checked by (2) and by the fetch that shares its pointer.
4. **No article without a version**, and **no version without its capture**: a version with no
   WARC pointer is a problem when it was first seen at or after the archive's first capture (the
   earliest fetch with a WARC record): before that, the archive did not write WARC files, and
   those versions are counted as "before WARC" only.
5. **The full-text index is in step.** SQLite: the FTS5 table holds exactly one row per article
   with a version (no article missing, no orphan row), its title, lead and body length are those
   of the current version, and the three triggers that maintain it exist. PostgreSQL: the index
   is a generated column of the version row, so it cannot lag behind its row; what is checked is
   that the column and its GIN index exist, the index is valid, and no vector is NULL.

``sample``: only that many WARC records, chosen at random, are read (1-3); the database checks
(4-5) always cover the whole selection. ``sources``: only the fetches, versions and articles of
these sources (orphan index rows are then not looked for).

Pure storage: reads the database and the WARC files (warcio), writes nothing, never commits.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from itertools import groupby
from pathlib import Path
from typing import IO, Any

from sqlalchemy import Select, func, literal, null, select, text, union_all
from sqlalchemy.orm import Session
from warcio.archiveiterator import ArchiveIterator

from storage import models
from storage.search import FTS_TABLE, PG_VECTOR_COLUMN, PG_VECTOR_INDEX, SQLITE_TRIGGERS

MAX_LISTED = 20  # problems listed per kind; the others are counted


@dataclass(frozen=True, slots=True)
class Problem:
    kind: str  # warc-file-missing | warc-unreadable | warc-digest | warc-length | warc-sha256 | ...
    subject: str  # what it is about: "fetch 12, version 3", "article 5", a file name
    detail: str


@dataclass(slots=True)
class VerifyReport:
    articles: int = 0
    versions: int = 0
    fetches_with_warc: int = 0
    versions_with_warc: int = 0
    versions_before_warc: int = 0  # uncaptured versions from before the first capture: not a problem
    records: int = 0  # distinct WARC records pointed to (in the selection)
    records_checked: int = 0
    files: int = 0  # distinct WARC files pointed to (by the records checked)
    index_rows: int = 0
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def counts(self) -> dict[str, int]:
        """Problems per kind."""
        out: dict[str, int] = {}
        for p in self.problems:
            out[p.kind] = out.get(p.kind, 0) + 1
        return out


@dataclass(frozen=True, slots=True)
class _Pointer:
    file: str
    offset: int
    length: int | None
    sha256: str | None  # from a fetch with this pointer (None: versions only, or no hash stored)
    subject: str


class VerifyError(ValueError):
    """The check cannot run as asked: ``what`` ("sources", "warc_dir") names the argument at fault."""

    def __init__(self, what: str, message: str) -> None:
        super().__init__(message)
        self.what = what


def verify_archive(
    session: Session,
    *,
    warc_dir: str | Path | None,
    sources: tuple[str, ...] = (),
    sample: int | None = None,
    rng: random.Random | None = None,
) -> VerifyReport:
    """Check the archive (see the module docstring); the report lists every problem found."""
    report = VerifyReport()
    source_ids = _source_ids(session, sources)
    _check_articles(session, report, source_ids)
    _check_index(session, report, source_ids)
    pointers = _pointers(session, source_ids)
    keys = list(dict.fromkeys((p.file, p.offset) for p in pointers))
    report.records = len(keys)
    if keys and warc_dir is None:
        raise VerifyError("warc_dir", f"the archive points to {len(keys)} WARC records but no WARC folder was given")
    if sample is not None and sample < len(keys):
        chosen = set((rng or random.Random()).sample(keys, sample))
        pointers = [p for p in pointers if (p.file, p.offset) in chosen]
    if keys:
        assert warc_dir is not None
        _check_records(Path(warc_dir), pointers, report)
    return report


def _source_ids(session: Session, sources: tuple[str, ...]) -> list[int] | None:
    if not sources:
        return None
    found = dict(
        session.execute(select(models.Source.name, models.Source.id).where(models.Source.name.in_(sources))).all()
    )
    unknown = [name for name in sources if name not in found]
    if unknown:
        raise VerifyError("sources", f"no source named {unknown[0]!r} in the archive")
    return list(found.values())


def _of_sources(q: Select[Any], column: Any, source_ids: list[int] | None) -> Select[Any]:
    return q if source_ids is None else q.where(column.in_(source_ids))


# --- articles and versions -------------------------------------------------------------------


def _check_articles(session: Session, report: VerifyReport, source_ids: list[int] | None) -> None:
    A, V, F = models.Article, models.ArticleVersion, models.Fetch  # noqa: N806 - table aliases
    report.articles = session.scalar(_of_sources(select(func.count(A.id)), A.source_id, source_ids)) or 0
    versions = _of_sources(select(V).join(A, A.id == V.article_id), A.source_id, source_ids)
    report.versions = session.scalar(select(func.count()).select_from(versions.subquery())) or 0
    report.versions_with_warc = (
        session.scalar(select(func.count()).select_from(versions.where(V.warc_file.is_not(None)).subquery())) or 0
    )
    report.fetches_with_warc = (
        session.scalar(_of_sources(select(func.count(F.id)).where(F.warc_file.is_not(None)), F.source_id, source_ids))
        or 0
    )
    has_version = select(V.id).where(V.article_id == A.id).exists()
    orphans = _of_sources(select(A.id, A.canonical_url).where(~has_version), A.source_id, source_ids)
    for article_id, url in session.execute(orphans.order_by(A.id)):
        report.problems.append(Problem("article-without-version", f"article {article_id}", url))

    first_capture: datetime | None = session.scalar(select(func.min(F.fetched_at)).where(F.warc_file.is_not(None)))
    uncaptured = _of_sources(
        select(V.id, V.article_id, V.first_seen_at, V.url).join(A, A.id == V.article_id).where(V.warc_file.is_(None)),
        A.source_id,
        source_ids,
    )
    for version_id, article_id, first_seen, url in session.execute(uncaptured.order_by(V.id)):
        if first_capture is None or first_seen < first_capture:
            report.versions_before_warc += 1
        else:
            report.problems.append(
                Problem(
                    "version-without-capture",
                    f"version {version_id} (article {article_id})",
                    f"{url}: first seen {first_seen:%Y-%m-%d %H:%M} UTC, after the first WARC capture "
                    f"({first_capture:%Y-%m-%d %H:%M} UTC), but no WARC record",
                )
            )


# --- the full-text index ----------------------------------------------------------------------


def _check_index(session: Session, report: VerifyReport, source_ids: list[int] | None) -> None:
    dialect = session.get_bind().dialect.name
    if dialect == "sqlite":
        _check_fts5(session, report, source_ids)
    elif dialect == "postgresql":
        _check_tsvector(session, report, source_ids)


def _check_fts5(session: Session, report: VerifyReport, source_ids: list[int] | None) -> None:
    present = set(session.scalars(text("SELECT name FROM sqlite_master WHERE type IN ('table', 'trigger')")))
    if FTS_TABLE not in present:
        report.problems.append(Problem("index-missing", FTS_TABLE, "the full-text table does not exist"))
        return
    for trigger in SQLITE_TRIGGERS:
        if trigger not in present:
            report.problems.append(
                Problem("index-trigger-missing", trigger, "the index is no longer kept up to date on this table")
            )
    A, V = models.Article, models.ArticleVersion  # noqa: N806 - table aliases
    indexed = {int(r[0]): r[1] for r in session.execute(text(f"SELECT rowid, title FROM {FTS_TABLE}"))}
    with_version = _of_sources(
        select(A.id).where(select(V.id).where(V.article_id == A.id).exists()), A.source_id, source_ids
    )
    expected = set(session.scalars(with_version))
    in_selection = set(indexed) & expected
    report.index_rows = len(in_selection) if source_ids is not None else len(indexed)
    for article_id in sorted(expected - set(indexed)):
        report.problems.append(Problem("index-missing-article", f"article {article_id}", "not in the full-text index"))
    if source_ids is None:
        known = set(session.scalars(select(A.id)))
        for rowid in sorted(set(indexed) - expected):
            why = "an article without version" if rowid in known else "no such article"
            report.problems.append(Problem("index-orphan", f"index row {rowid}", f"indexes {why}"))
    stale = text(
        f"""SELECT s.rowid FROM {FTS_TABLE} s JOIN article_versions v ON v.article_id = s.rowid
        WHERE v.number = (SELECT max(w.number) FROM article_versions w WHERE w.article_id = v.article_id)
        AND (s.title IS NOT v.title OR s.lead IS NOT v.lead OR length(s.body) IS NOT length(v.body))"""
    )
    for rowid in sorted(set(session.scalars(stale)) & expected):
        report.problems.append(
            Problem("index-stale", f"article {rowid}", "the index holds another text than the current version")
        )


def _check_tsvector(session: Session, report: VerifyReport, source_ids: list[int] | None) -> None:
    column = session.scalar(
        text(
            "SELECT attgenerated FROM pg_attribute WHERE attrelid = 'article_versions'::regclass "
            "AND attname = :name AND NOT attisdropped"
        ),
        {"name": PG_VECTOR_COLUMN},
    )
    if column is None:
        report.problems.append(Problem("index-missing", PG_VECTOR_COLUMN, "the full-text column does not exist"))
        return
    if column != "s":
        report.problems.append(
            Problem("index-stale", PG_VECTOR_COLUMN, "the full-text column is not generated from the version")
        )
    valid = session.scalar(
        text("SELECT i.indisvalid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE c.relname = :name"),
        {"name": PG_VECTOR_INDEX},
    )
    if valid is None:
        report.problems.append(Problem("index-missing", PG_VECTOR_INDEX, "the full-text GIN index does not exist"))
    elif not valid:
        report.problems.append(Problem("index-invalid", PG_VECTOR_INDEX, "the full-text GIN index is invalid"))
    A, V = models.Article, models.ArticleVersion  # noqa: N806 - table aliases
    is_null = text(f"article_versions.{PG_VECTOR_COLUMN} IS NULL")
    versions = _of_sources(select(func.count(V.id)).join(A, A.id == V.article_id), A.source_id, source_ids)
    missing = _of_sources(
        select(V.id, V.article_id).join(A, A.id == V.article_id).where(is_null), A.source_id, source_ids
    )
    rows = session.execute(missing.order_by(V.id)).all()
    report.index_rows = (session.scalar(versions) or 0) - len(rows)
    for version_id, article_id in rows:
        report.problems.append(
            Problem("index-missing-article", f"version {version_id} (article {article_id})", "no full-text vector")
        )


# --- WARC records -------------------------------------------------------------------------------


def _pointers(session: Session, source_ids: list[int] | None) -> list[_Pointer]:
    """Every WARC pointer of the selection, one per distinct record, ordered by file and offset."""
    A, V, F = models.Article, models.ArticleVersion, models.Fetch  # noqa: N806 - table aliases
    fetches = _of_sources(
        select(
            F.warc_file.label("file"),
            F.warc_offset.label("offset"),
            F.warc_length.label("length"),
            F.body_sha256.label("sha256"),
            literal("fetch").label("what"),
            F.id.label("id"),
        ).where(F.warc_file.is_not(None), F.warc_offset.is_not(None)),
        F.source_id,
        source_ids,
    )
    versions = _of_sources(
        select(
            V.warc_file.label("file"),
            V.warc_offset.label("offset"),
            V.warc_length.label("length"),
            null().label("sha256"),
            literal("version").label("what"),
            V.id.label("id"),
        )
        .join(A, A.id == V.article_id)
        .where(V.warc_file.is_not(None), V.warc_offset.is_not(None)),
        A.source_id,
        source_ids,
    )
    both = union_all(fetches, versions).subquery()
    rows = session.execute(select(both).order_by(both.c.file, both.c.offset, both.c.what, both.c.id)).all()
    out = []
    for (file, offset), group in groupby(rows, key=lambda r: (r.file, r.offset)):
        members = list(group)
        lengths = {r.length for r in members if r.length is not None}
        hashes = {r.sha256 for r in members if r.sha256}
        subject = ", ".join(f"{r.what} {r.id}" for r in members[:4]) + (" ..." if len(members) > 4 else "")
        if len(hashes) > 1:  # two fetches claim one record with different bodies: check each claim
            for sha in sorted(hashes):
                out.append(_Pointer(file, int(offset), min(lengths) if lengths else None, sha, subject))
            continue
        length = lengths.pop() if len(lengths) == 1 else None
        out.append(_Pointer(file, int(offset), length, next(iter(hashes), None), subject))
    return out


def _check_records(directory: Path, pointers: Iterable[_Pointer], report: VerifyReport) -> None:
    checked: set[tuple[str, int]] = set()
    for file, group in groupby(pointers, key=lambda p: p.file):
        members = list(group)
        path = directory / file
        report.files += 1
        if not path.is_file():
            keys = {(p.file, p.offset) for p in members}
            checked |= keys
            report.problems.append(
                Problem(
                    "warc-file-missing",
                    file,
                    f"{len(keys)} WARC record(s) point to this file, missing from {directory} "
                    f"(e.g. {members[0].subject})",
                )
            )
            continue
        try:
            with path.open("rb") as fh:
                for pointer in members:
                    checked.add((pointer.file, pointer.offset))
                    for kind, detail in _record_problems(fh, pointer):
                        report.problems.append(Problem(kind, pointer.subject, f"{file}:{pointer.offset}: {detail}"))
        except OSError as exc:
            report.problems.append(Problem("warc-unreadable", file, f"cannot read the file: {exc.strerror or exc}"))
    report.records_checked = len(checked)


def _record_problems(fh: IO[bytes], pointer: _Pointer) -> Iterator[tuple[str, str]]:
    """What is wrong with the record at ``pointer`` (nothing when it is intact)."""
    fh.seek(pointer.offset)
    try:
        iterator = ArchiveIterator(fh, check_digests=True)
        record = next(iterator, None)
        if record is None:
            yield "warc-unreadable", "no WARC record at this offset (the file is shorter)"
            return
        payload = record.content_stream().read()  # the body the crawler saw: de-chunked, decompressed
        iterator.read_to_end(record)
        length = iterator.get_record_length()
    except Exception as exc:  # whatever stops warcio from reading the record (bad gzip, bad headers) is the finding
        yield "warc-unreadable", f"{type(exc).__name__}: {' '.join(str(exc).split())[:200]}"
        return
    if record.rec_type != "response":
        yield "warc-unreadable", f"a {record.rec_type!r} record, not the response it should be"
        return
    if record.digest_checker.passed is False:
        yield "warc-digest", "; ".join(record.digest_checker.problems)
    if pointer.length is not None and length != pointer.length:
        yield "warc-length", f"the record is {length} bytes, the database says {pointer.length}"
    if pointer.sha256 is not None and hashlib.sha256(payload).hexdigest() != pointer.sha256:
        yield "warc-sha256", "the payload's SHA-256 is not the body_sha256 stored with the fetch"


def summary_lines(report: VerifyReport) -> list[str]:
    """The report as lines of text: the counts, then the problems (at most MAX_LISTED per kind)."""
    lines = [
        f"articles: {report.articles}, versions: {report.versions} "
        f"({report.versions_with_warc} with a WARC record, {report.versions_before_warc} from before WARC)",
        f"WARC records: {report.records_checked} of {report.records} checked in {report.files} file(s) "
        f"(pointed to by {report.fetches_with_warc} fetches and {report.versions_with_warc} versions)",
        f"full-text index: {report.index_rows} entries",
    ]
    if report.ok:
        lines.append("ok: no problem found")
        return lines
    counts = report.counts()
    lines.append(
        f"{len(report.problems)} problem(s): " + ", ".join(f"{kind} {n}" for kind, n in sorted(counts.items()))
    )
    listed: dict[str, int] = {}
    for p in report.problems:
        listed[p.kind] = listed.get(p.kind, 0) + 1
        if listed[p.kind] <= MAX_LISTED:
            lines.append(f"  {p.kind}: {p.subject}: {p.detail}")
        elif listed[p.kind] == MAX_LISTED + 1:
            lines.append(f"  {p.kind}: ... and {counts[p.kind] - MAX_LISTED} more")
    return lines
