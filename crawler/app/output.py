"""Formatting records for the terminal and for files: table, json, jsonl, csv."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Sequence
from dataclasses import asdict, is_dataclass
from datetime import datetime
from enum import Enum
from typing import Any, TextIO

FORMATS = ("table", "json", "jsonl", "csv")


def to_jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if is_dataclass(value) and not isinstance(value, type):
        return to_jsonable(asdict(value))
    if isinstance(value, dict):
        return {k: to_jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_jsonable(v) for v in value]
    return value


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, list | tuple):
        return ", ".join(_cell(v) if not isinstance(v, dict) else json.dumps(to_jsonable(v)) for v in value)
    if isinstance(value, dict):
        return json.dumps(to_jsonable(value), ensure_ascii=False)
    return str(value)


def _csv_cell(value: Any) -> str:
    if isinstance(value, list | tuple | dict):
        return json.dumps(to_jsonable(value), ensure_ascii=False)
    if isinstance(value, datetime):
        return value.isoformat()
    return "" if value is None else str(value)


def write_records(
    records: Iterable[dict[str, Any]],
    fmt: str,
    out: TextIO,
    *,
    columns: Sequence[str],
    widths: dict[str, int] | None = None,
) -> int:
    """Write ``records`` to ``out``; ``columns`` picks the fields (all formats). Returns the count."""
    n = 0
    if fmt == "json":
        rows = [to_jsonable({c: r.get(c) for c in columns}) for r in records]
        json.dump(rows, out, ensure_ascii=False, indent=2)
        out.write("\n")
        return len(rows)
    if fmt == "jsonl":
        for r in records:
            out.write(json.dumps(to_jsonable({c: r.get(c) for c in columns}), ensure_ascii=False) + "\n")
            n += 1
        return n
    if fmt == "csv":
        writer = csv.writer(out)
        writer.writerow(columns)
        for r in records:
            writer.writerow([_csv_cell(r.get(c)) for c in columns])
            n += 1
        return n
    rows = [[_cell(r.get(c)) for c in columns] for r in records]
    widths = widths or {}
    limits = [widths.get(c, 60) for c in columns]
    rows = [
        [v if len(v) <= lim else v[: lim - 1] + "…" for v, lim in zip(row, limits, strict=True)]
        for row in rows
    ]
    sizes = [max([len(c)] + [len(row[i]) for row in rows]) for i, c in enumerate(columns)]
    out.write("  ".join(c.ljust(s) for c, s in zip(columns, sizes, strict=True)).rstrip() + "\n")
    out.write("  ".join("-" * s for s in sizes) + "\n")
    for row in rows:
        out.write("  ".join(v.ljust(s) for v, s in zip(row, sizes, strict=True)).rstrip() + "\n")
    return len(rows)
