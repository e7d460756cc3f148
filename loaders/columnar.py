"""Read a clean file a column at a time: each distinct value is parsed once, rules run over whole columns.

This is the fast path of :func:`dasv.loaders.export.read_export`. It decides only *whether* the
file is clean; the first problem it meets raises :class:`NeedsRowReader`, and the row reader
(``data_rows._read_rows``) reads the same rows again to word every problem exactly as it always
has (a refused file is rare; a big clean one is the common case).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from operator import itemgetter

from dasv.loaders.cells import CellError, CellReaders
from dasv.loaders.header import HeaderMatch

_NUMERIC = {bool, int, float}


class NeedsRowReader(Exception):  # noqa: N818 - a signal, not an error: the row reader takes over
    """The file has a problem (or a shape) that the row reader words."""


def _blank(value: object) -> bool:
    return value is None or (type(value) is str and (value == "" or value.isspace()))


def column_of(rows: list[list], index: int, width: int) -> list:
    """One column of the kept rows (None where a short CSV row has no such cell); ``width``: the shortest row."""
    if index < width:
        return list(map(itemgetter(index), rows))
    return [cells[index] if index < len(cells) else None for cells in rows]


def read_column(
    raw: Sequence,
    parse: Callable[[object], object],
    remembered: bool,
    area: bool,
    blank_refused: bool,
    readers: CellReaders,
    repairs: Counter,
) -> list:
    """Parse one column, each distinct value once.

    1, 1.0 and True are equal in Python but may read differently (a count, a yes/no), so a
    column mixing numeric types keys its values by type too, as the row reader's memo does.

    Raises:
        NeedsRowReader: a cell is blank where a value is required, or does not parse.
    """
    if not remembered:  # IDs: all different, so each is read (as the row reader does)
        out = []
        for value in raw:
            if value is None or (type(value) is str and (value == "" or value.isspace())):
                if blank_refused:
                    raise NeedsRowReader
                out.append(None)
                continue
            try:
                out.append(parse(value))
            except CellError:
                raise NeedsRowReader from None
        return out
    types = set(map(type, raw))
    keyed = [(type(v), v) for v in raw] if len(types & _NUMERIC) > 1 else raw
    counts = Counter(keyed)
    outcome: dict = {}
    for key, n in counts.items():
        value = key[1] if keyed is not raw else key
        if _blank(value):
            if not area:
                if blank_refused:
                    raise NeedsRowReader
                outcome[key] = None
                continue
            value = ""
        result, repair, error = readers.outcome(parse, value)
        if error is not None:
            raise NeedsRowReader
        if repair is not None:
            repairs[repair] += n
        outcome[key] = result
    return list(map(outcome.__getitem__, keyed))


def columns_from_rows(rows: list[list], header: HeaderMatch) -> dict[int, Sequence]:
    """The contract columns of the kept rows, by column index."""
    width = min(map(len, rows), default=0)
    if max(header.columns, default=-1) < width:  # one transpose of every row (a C loop)
        every = list(zip(*rows, strict=False))
        return {index: every[index] for index in header.columns}
    return {index: column_of(rows, index, width) for index in header.columns}


def read_columns(
    columns: dict[int, Sequence], header: HeaderMatch, readers: CellReaders, blank_refused: dict[str, bool]
) -> dict[str, list]:
    """Every contract column (by index, as cells), parsed: field -> values.

    Raises:
        NeedsRowReader: some cell has a problem.
    """
    repairs: Counter = Counter()
    data: dict[str, list] = {}
    for index, col in sorted(header.columns.items()):
        parse, remembered = readers.parser(col)
        data[col.field] = read_column(
            columns[index],
            parse,
            remembered,
            col.type == "area",
            blank_refused[col.field],
            readers,
            repairs,
        )
    readers.repairs.update(repairs)
    return data


def derive_age(data: dict[str, list]) -> None:
    """Age at referral from a date of birth, which is then dropped (the row reader's ``_derive_age``).

    Raises:
        NeedsRowReader: a date of birth after the referral, or giving an age over 120.
    """
    if "date_of_birth" not in data:
        return
    born = data.pop("date_of_birth")
    referred = data.get("referral_date") or [None] * len(born)
    ages = data.get("age") or [None] * len(born)
    out = []
    for b, a, r in zip(born, ages, referred, strict=True):
        if b is None or a is not None or r is None:
            out.append(a)
            continue
        if b > r:
            raise NeedsRowReader
        age = r.year - b.year - ((r.month, r.day) < (b.month, b.day))
        if age > 120:
            raise NeedsRowReader
        out.append(age)
    data["age"] = out


def rows_of(data: dict[str, list]) -> list[dict]:
    """The columns as one dict per row."""
    fields = list(data)
    return [dict(zip(fields, values, strict=True)) for values in zip(*data.values(), strict=True)]


def columns_of(rows: list[dict]) -> dict[str, list]:
    """Rows (dicts, possibly with different keys) as columns, None where a row lacks a key."""
    fields: dict[str, None] = {}
    for row in rows:
        fields.update(dict.fromkeys(row))
    return {f: [row.get(f) for row in rows] for f in fields}
