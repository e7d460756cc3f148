"""Cell readers: one function per column type in ``columns.yaml`` (docs/adopting.md, Common rules).

Every reader takes the raw cell (``str`` from CSV; ``str``, ``float``, ``int``, ``bool``,
``date`` or ``datetime`` from a workbook; ``None`` or ``""`` when empty) and returns the
parsed value, or raises :class:`CellError` saying what is wrong and what was expected.
Blank cells never reach a reader: the row builder handles them.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import TYPE_CHECKING

from dasv.loaders.problems import CellError, show_value
from dasv.names import normalise_name

if TYPE_CHECKING:  # the loaders read the deployment they are given: no import of dasv.config
    from dasv.config import Deployment

EXCEL_EPOCH = date(1899, 12, 30)  # serial 1 = 1900-01-01 in the 1900 date system
MAX_EXCEL_SERIAL = 2958465  # 9999-12-31
DATE_EXPECTED = "a date as DD/MM/YYYY, D/M/YY, YYYY-MM-DD or an Excel date (day first, always)"
MONTH_EXPECTED = "a month such as 2025-10, Oct-25, October 2025 or any date in the month"
BOOL_EXPECTED = "Y, Yes, TRUE, 1 or ✓ / N, No, FALSE or 0"
_BOOL_WORDS = {
    **{w: True for w in ("y", "yes", "true", "1", "✓", "✔")},
    **{w: False for w in ("n", "no", "false", "0", "✗")},
}
_MONTHS = {
    name: i + 1
    for i, names in enumerate(
        [
            ("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"),
            ("may",), ("jun", "june"), ("jul", "july"), ("aug", "august"),
            ("sep", "sept", "september"), ("oct", "october"), ("nov", "november"),
            ("dec", "december"),
        ]
    )
    for name in names
}  # fmt: skip
_TIME = r"(?:[ T]+\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?\s*(?:[AaPp][Mm])?(?:Z|[+-]\d{2}:?\d{2})?)?"
_ISO = re.compile(rf"^(\d{{4}})-(\d{{1,2}})-(\d{{1,2}}){_TIME}$")
_DAY_FIRST = re.compile(rf"^(\d{{1,2}})[/.-](\d{{1,2}})[/.-](\d{{4}}|\d{{2}}){_TIME}$")
_DAY_MONTH_NAME = re.compile(rf"^(\d{{1,2}})[\s/-]+([A-Za-z]{{3,9}})[\s/-]+(\d{{4}}|\d{{2}}){_TIME}$")
_YEAR_MONTH = re.compile(r"^(\d{4})[-/](\d{1,2})$")
_MONTH_YEAR = re.compile(r"^([A-Za-z]{3,9})[\s/-]+(\d{4}|\d{2})$")
_NUM_MONTH_YEAR = re.compile(r"^(\d{1,2})[/-](\d{4})$")
_COUNT = re.compile(r"^\s*(\d{1,3}(?:,\d{3})+|\d+)(?:\.0+)?\s*$")
_SPECIALISM_SPLIT = re.compile(r"[;,/]")


def _year(text: str) -> int:
    year = int(text)
    return 2000 + year if len(text) == 2 else year


def _real_date(year: int, month: int, day: int, raw: object) -> date:
    try:
        return date(year, month, day)
    except ValueError:
        raise CellError(f"{show_value(raw)} is not a real date", DATE_EXPECTED) from None


def _from_serial(number: float, raw: object) -> date:
    if not 1 <= number <= MAX_EXCEL_SERIAL:
        raise CellError(f"{show_value(raw)} is not an Excel date serial", DATE_EXPECTED)
    return EXCEL_EPOCH + timedelta(days=int(number))


@lru_cache(maxsize=4096)
def _date_from_text(text: str) -> date:
    text = text.strip()
    if m := _ISO.match(text):
        return _real_date(int(m[1]), int(m[2]), int(m[3]), text)
    if m := _DAY_FIRST.match(text):
        day, month, year = int(m[1]), int(m[2]), _year(m[3])
        if month > 12 and day <= 12:
            raise CellError(
                f"{show_value(text)} is only a valid date read month-first (US style), which we do not guess",
                DATE_EXPECTED,
            )
        return _real_date(year, month, day, text)
    if (m := _DAY_MONTH_NAME.match(text)) and m[2].lower() in _MONTHS:
        return _real_date(_year(m[3]), _MONTHS[m[2].lower()], int(m[1]), text)
    raise CellError(f"{show_value(text)} is not a date", DATE_EXPECTED)


def read_date(value: object) -> date:
    """A date: a true Excel date, ISO, or UK day-first text; any time of day is ignored."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, bool):
        raise CellError(f"{show_value(value)} is not a date", DATE_EXPECTED)
    if isinstance(value, int | float):
        return _from_serial(value, value)
    return _date_from_text(str(value))


@lru_cache(maxsize=1024)
def _month_from_text(text: str) -> date:
    text = text.strip()
    if m := _YEAR_MONTH.match(text):
        year, month = int(m[1]), int(m[2])
    elif (m := _MONTH_YEAR.match(text)) and m[1].lower() in _MONTHS:
        year, month = _year(m[2]), _MONTHS[m[1].lower()]
    elif m := _NUM_MONTH_YEAR.match(text):
        year, month = int(m[2]), int(m[1])
    else:
        try:
            return _date_from_text(text).replace(day=1)
        except CellError:
            raise CellError(f"{show_value(text)} is not a month", MONTH_EXPECTED) from None
    if not 1 <= month <= 12:
        raise CellError(f"{show_value(text)} is not a month", MONTH_EXPECTED)
    return date(year, month, 1)


def read_month(value: object) -> date:
    """A month, returned as its first day."""
    if isinstance(value, str):
        return _month_from_text(value)
    try:
        return read_date(value).replace(day=1)
    except CellError:
        raise CellError(f"{show_value(value)} is not a month", MONTH_EXPECTED) from None


def read_bool(value: object) -> bool:
    """Y/N in any of the accepted spellings."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float) and value in (0, 1):
        return bool(value)
    word = str(value).strip().casefold()
    if word in _BOOL_WORDS:
        return _BOOL_WORDS[word]
    raise CellError(f"{show_value(value)} is not yes or no", BOOL_EXPECTED)


def read_count(value: object) -> int:
    """A whole, non-negative count (thousands separators allowed in text)."""
    if isinstance(value, bool):
        raise CellError(f"{show_value(value)} is not a count", "a whole number of 0 or more")
    if isinstance(value, int | float):
        number = value
    else:
        text = str(value)
        if m := _COUNT.match(text):
            return int(m[1].replace(",", ""))
        try:
            number = float(text.replace(",", ""))
        except ValueError:
            raise CellError(f"{show_value(value)} is not a number", "a whole number of 0 or more") from None
    if number != number or number in (float("inf"), float("-inf")):
        raise CellError(f"{show_value(value)} is not a number", "a whole number of 0 or more")
    if number < 0:
        raise CellError(f"{show_value(value)} is negative", "a whole number of 0 or more")
    if number != int(number):
        raise CellError(f"{show_value(value)} is not a whole number", "a whole number of 0 or more")
    return int(number)


def read_age(value: object) -> int:
    """Age in whole years, 0 to 120."""
    try:
        age = read_count(value)
    except CellError as exc:
        raise CellError(exc.what, "an age in whole years from 0 to 120") from None
    if age > 120:
        raise CellError(f"{show_value(value)} is not a plausible age", "an age from 0 to 120")
    return age


def read_text(value: object) -> str:
    """An identifier as text; whole numbers from a workbook lose their ``.0``."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    if len(text) > 100:
        raise CellError(f"{show_value(text)} is too long for an ID", "an ID of up to 100 characters")
    return text


class Vocabulary:
    """Canonical values and their spellings; unknown text refused, or mapped to ``other``.

    ``key`` is the deployment YAML key that maps another spelling onto a canonical value
    (``value_aliases.marac.referring_agency``): a refusal names it.
    """

    def __init__(self, name: str, values: dict[str, list[str]], other: str | None = None, key: str = ""):
        self.name = name
        self.other = other
        self.key = key
        self.canonical = list(values)
        self._lookup = {}
        for canonical, spellings in values.items():
            for spelling in [canonical, *spellings]:
                self._lookup[normalise_name(spelling)] = canonical

    def get(self, value: object) -> str | None:
        """The canonical value for a spelling, or None."""
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        return self._lookup.get(normalise_name(value))

    def expected(self) -> str:
        """The accepted values, for a message."""
        return "one of " + ", ".join(self.canonical)

    def how_to_map(self, value: object) -> str:
        """``; or map it in the deployment YAML under value_aliases.idva.route: {<one of those>: ['x']}``."""
        if not self.key:
            return ""
        shown = show_value(str(value).strip())
        onto = '"Yes" or "No"' if self.canonical == ["Yes", "No"] else "<accepted value>"
        return f"; or map it in the deployment YAML under `{self.key}` ({onto}: [{shown}])"


class CellReaders:
    """The readers for one file, bound to a deployment; counts what it repaired.

    Attributes:
        repairs: ``Counter`` of repair notes (e.g. unknown route stored as Other).
    """

    CACHE_LIMIT = 50_000

    def __init__(self, deployment: Deployment, vocabularies: dict[str, dict]):
        self.deployment = deployment
        self.repairs: Counter[str] = Counter()
        self._repair: str | None = None
        # spec["key"]: the YAML key that maps a spelling in this source (dasv.loaders.values.vocabularies_for)
        self.vocab = {
            name: Vocabulary(name, spec.get("values", {}), spec.get("other"), spec.get("key", ""))
            for name, spec in vocabularies.items()
            if "values" in spec
        }
        ethnicity = vocabularies.get("ethnicity", {})
        self._ethnicity_keywords = [
            (group, [k.casefold() for k in words]) for group, words in ethnicity.get("keywords", {}).items()
        ]
        self._ethnicity = Vocabulary(
            "ethnicity",
            {g: list(s) for g, s in ethnicity.get("aliases", {}).items()},
            key=ethnicity.get("key", ""),
        )
        self._ethnicity_other = ethnicity.get("other")
        self._areas = ", ".join(a.name for a in deployment.areas)
        readers: dict[str, Callable[[object], object]] = {
            **{
                name: self._yes_no_reader(name) if name.startswith("yes_no:") else self._vocab_reader(name)
                for name in self.vocab
            },
            "date": read_date,
            "month": read_month,
            "bool": read_bool,
            "count": read_count,
            "age": read_age,
            "area": self.read_area,
            "specialisms": self.read_specialisms,
            "ethnicity": self.read_ethnicity,
        }
        # IDs are all different, so caching them would only cost memory
        self.plain = readers
        self.by_type = {"text": read_text, **{k: self._remembered(f) for k, f in readers.items()}}

    def parser(self, column) -> tuple[Callable[[object], object], bool]:
        """``(parse, remembered)`` for a column (a ``dasv.loaders.spec.ColumnSpec``): a yes/no column reads its own words.

        ``remembered``: the plain parser, whose outcomes the caller keeps per distinct value.
        """
        kind = (
            f"yes_no:{column.field}"
            if column.type == "bool" and f"yes_no:{column.field}" in self.plain
            else column.type
        )
        if kind in self.plain:
            return self.plain[kind], True
        return self.by_type[kind], False

    def outcome(self, parse: Callable[[object], object], value: object) -> tuple:
        """``(result, repair note or None, CellError or None)`` of one parse: what a column's memo keeps."""
        self._repair = None
        try:
            return parse(value), self._repair, None
        except CellError as exc:
            return None, None, exc

    def _remembered(self, parse: Callable[[object], object]) -> Callable[[object], object]:
        """``parse`` with its answers remembered per distinct cell value (most columns repeat a few values)."""
        memo: dict = {}
        missing = object()

        def read(value: object) -> object:
            key = value if type(value) is str else (type(value), value)
            hit = memo.get(key, missing)
            if hit is missing:
                hit = self.outcome(parse, value)
                if len(memo) < self.CACHE_LIMIT:
                    memo[key] = hit
            result, repair, error = hit
            if error is not None:
                raise error
            if repair is not None:
                self.repairs[repair] += 1
            return result

        return read

    def read_area(self, value: object) -> str:
        """A canonical area name from any configured alias."""
        area = self.deployment.area(str(value))
        if area is None:
            shown = show_value(str(value).strip())
            raise CellError(
                f"{show_value(value)} is not a known area",
                f"one of {self._areas}; or add it to that area's `aliases` in the deployment YAML "
                f"(`areas`: - name: <area>, aliases: [{shown}])",
            )
        return area.name

    def read_specialisms(self, value: object) -> tuple[str, ...]:
        """Zero or more specialisms separated by ``;``, ``,`` or ``/``."""
        vocab = self.vocab["specialisms"]
        out: list[str] = []
        for part in _SPECIALISM_SPLIT.split(str(value)):
            if not part.strip():
                continue
            canonical = vocab.get(part)
            if canonical is None:
                raise CellError(
                    f"{show_value(part.strip())} is not a specialism",
                    f"{vocab.expected()}, separated by ; , or /{vocab.how_to_map(part)}"
                    + ("; or add it to `specialisms`" if vocab.key else ""),
                )
            if canonical not in out:
                out.append(canonical)
        return tuple(out)

    def read_ethnicity(self, value: object) -> str:
        """Only the coarse ONS group of free-text ethnicity is kept: a mapped spelling, else by keyword."""
        mapped = self._ethnicity.get(value)
        if mapped is not None:
            return mapped
        text = str(value).casefold()
        for group, words in self._ethnicity_keywords:
            if any(word in text for word in words):
                return group
        if self._ethnicity_other is not None:
            self._repair = f"Ethnicity not recognised: stored as '{self._ethnicity_other}'"
            return self._ethnicity_other
        groups = ", ".join(group for group, _ in self._ethnicity_keywords)
        raise CellError(
            f"{show_value(value)} is not a recognised ethnicity",
            f"text naming one of the groups {groups}{self._ethnicity.how_to_map(value)}",
        )

    def _yes_no_reader(self, name: str) -> Callable[[object], bool]:
        vocab = self.vocab[name]

        def read(value: object) -> bool:
            if isinstance(value, bool):
                return value
            if isinstance(value, int | float) and value in (0, 1):
                return bool(value)
            canonical = vocab.get(value)
            if canonical is not None:
                return canonical == "Yes"
            raise CellError(f"{show_value(value)} is not yes or no", BOOL_EXPECTED + vocab.how_to_map(value))

        return read

    def _vocab_reader(self, name: str) -> Callable[[object], str]:
        vocab = self.vocab[name]

        def read(value: object) -> str:
            canonical = vocab.get(value)
            if canonical is not None:
                return canonical
            if vocab.other is not None:
                self._repair = f"{name} {show_value(value)} not recognised: stored as '{vocab.other}'"
                return vocab.other
            raise CellError(
                f"{show_value(value)} is not recognised", vocab.expected() + vocab.how_to_map(value)
            )

        return read
