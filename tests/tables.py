"""Served tables and documents read as facts: the names a reader sees mapped to (area, measure, period).

One reader for every tabular format (CSV, the spreadsheet's ``Table_n`` sheets, the HTML tables with
their headers folded): a cell is placed by its row label (a measure, an area or a report row) and
its column heading (an area, a measure, a period — full, or ``Q3`` relative to the document's
quarter). JSON documents (metrics.json, slice.json, the feed) are walked by their keys
(docs/metrics_json.md's structure).
"""

from __future__ import annotations

import re

from dasv.quarters import Quarter

COUNTY = "county"
MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
COUNT_LABELS = {
    "IDVA referrals": "total_referrals", "Referral criteria met": "criteria_met", "Engaged": "engaged",
    "Repeat referrals": "repeats", "MARAC referrals": "referrals", "Cases heard at MARAC": "cases_heard",
    "Cases heard": "cases_heard", "Repeat cases": "repeat_cases",
    "Cases awaiting a MARAC hearing": "awaiting_hearing", "MARAC repeat cases": "repeat_cases",
    "Police DA incidents": "da_incidents", "Police DA crimes": "da_crimes", "DA incidents": "da_incidents",
    "DA crimes": "da_crimes", "Incidents that resulted in a crime": "crimed_incidents",
    "Incident only": "incident_only", "Total police recorded DA (incident-only + crimes)": "total_recorded",
    "Male victims (IDVA)": "male_victims", "Disability (IDVA)": "disability", "Aged 13–17 (IDVA)": "aged_13_17",
    "LGBT+ (IDVA)": "lgbt_total", "Sexual orientation not asked (IDVA)": "not_asked",
}  # fmt: skip
PCT_LABELS = {
    "Engagement % of criteria met": ("engaged", "criteria_met"), "Engagement %": ("engaged", "criteria_met"),
    "Repeat % of IDVA referrals": ("repeats", "total_referrals"), "Repeat %": ("repeats", "total_referrals"),
    "MARAC repeat % of cases heard": ("repeat_cases", "cases_heard"),
    "Proportion of incidents crimed": ("crimed_incidents", "da_incidents"),
    "% of cases heard": (None, "cases_heard"),  # the row's count over cases heard (MARAC rolling year)
}  # fmt: skip
JSON_PCT = {"engagement_pct": ("engaged", "criteria_met"), "repeats_pct": ("repeats", "total_referrals"),
            "repeat_pct": ("repeat_cases", "cases_heard"), "crimed_pct": ("crimed_incidents", "da_incidents")}  # fmt: skip
JSON_COUNTS = {"total_referrals", "criteria_met", "engaged", "repeats", "referrals", "cases_heard",
               "awaiting_hearing", "repeat_cases", "da_incidents", "da_crimes", "crimed_incidents",
               "incident_only", "total_recorded", "male_victims", "disability", "aged_13_17", "lgbt_total",
               "not_asked"}  # fmt: skip
SKIP = ("lower", "upper", "status", "change_pct", "change_points", "Variation", "limits", "Position",
        "Population", "per 1,000", "Per 1,000", "per 10,000")  # fmt: skip
QUARTER_RE = re.compile(r"\d{4}-\d{2} Q[1-4]")
YE_RE = re.compile(r"YE [A-Z][a-z]{2} \d{4}")
SHORT_Q = re.compile(r"(?<![\d-])Q([1-4])\b")
NUMBER = re.compile(r"-?[0-9][0-9,]*(\.[0-9]+)?%?")


def quarter_of(slug: str) -> str:
    return Quarter.parse(slug).label


def ye_label(year_month: str) -> str:
    """``2025-09`` -> ``YE Sep 2025``."""
    year, month = year_month.split("-")
    return f"YE {MONTHS[int(month) - 1]} {year}"


def period_of_month(month: str) -> str:
    return month  # a month is its ``YYYY-MM`` label


def rolling_ye(quarter: str) -> str:
    end = Quarter.parse(quarter).months[-1]
    return f"YE {MONTHS[end.month - 1]} {end.year}"


class TableReader:
    """Facts from the tables and documents of one report (``district`` None: the county report)."""

    def __init__(self, deployment, quarter: str, district: str | None):
        self.deployment, self.quarter, self.district = deployment, quarter, district
        self.areas: dict[str, str] = {deployment.county_label: COUNTY, "County": COUNTY}
        for a in deployment.districts:
            for name in [a.name, a.label, *a.aliases]:
                if name:
                    self.areas.setdefault(name, a.name)
        if (
            area := deployment.police_reporting_area
        ):  # by its name, and by the label the report prints it with
            for name in (area.name, getattr(area, "label", "")):
                if name:
                    self.areas[name] = area.name
        for other in ("Out of Area", "Address not documented", "Not known – moved to refuge"):
            self.areas.setdefault(other, other)
        self.areas["Empty – address not documented"] = "Address not documented"
        self.areas["Not known – moved to refuge, no forwarding address"] = "Not known – moved to refuge"
        self.areas["Total"] = COUNTY
        self.rows = {r.label for r in deployment.report_rows}
        self.by_length = sorted(self.areas, key=len, reverse=True)
        from dasv.loaders.values import offence_groups_of

        # the DA crimes by offence group table: a row per group, and the groups' total
        self.offence_rows = {g: f"offence_group:{g}" for g in offence_groups_of(deployment)}
        self.offence_rows["All offence groups"] = "offence_total"

    # names -------------------------------------------------------------------------------------
    def _area_prefix(self, text: str) -> tuple[str | None, str]:
        for name in self.by_length:
            if text == name or text.startswith(name + " "):
                return self.areas[name], text[len(name) :].strip()
        return None, text

    def _area_suffix(self, text: str) -> tuple[str | None, str]:
        for name in self.by_length:
            if text.endswith(" " + name):
                return self.areas[name], text[: -len(name) - 1].strip()
        return None, text

    def _period(self, text: str, short: bool) -> tuple[str | None, str]:
        for pattern in (QUARTER_RE, YE_RE):
            m = pattern.search(text)
            if m:
                return m.group(0), (text[: m.start()] + text[m.end() :]).strip(" ,")
        if short:
            m = SHORT_Q.search(text)
            if m:
                q = Quarter.parse(self.quarter)
                while q.number != int(m.group(1)):
                    q = q.previous()
                return q.label, (text[: m.start()] + text[m.end() :]).strip(" ,")
        return None, text

    # tables ------------------------------------------------------------------------------------
    def table(self, rows: list[list[str]], where: str, short_periods: bool = False) -> list[tuple]:
        if not rows or len(rows) < 2:
            return []
        header, facts = rows[0], []
        rolling = any(h.strip() == "Number" for h in header)
        for row in rows[1:]:
            if not row:
                continue
            label = " ".join(str(row[0]).split())
            if label.startswith("LGBT+: "):
                label = "so:" + label[len("LGBT+: ") :]
            row_area = self.areas.get(label)
            if str(header[0]).strip() in ("Area", "District") and row_area is None:
                continue  # an area this reader does not know: not guessed
            label_area, label_measure = self._area_suffix(label)
            row_name = label if label in self.rows else None
            # a table of the charts' values: a row per month ("2025-04") or per quarter ("2025-26 Q1")
            by_period = str(header[0]).strip() in ("Month", "Quarter")
            for heading, text in zip(header[1:], row[1:], strict=False):
                text, heading = str(text).strip(), str(heading).strip()
                if text in ("", "–", "-") or any(s in heading for s in SKIP):
                    continue
                if heading == "change":
                    fact = self._change(label, label_area, label_measure, header, text)
                    facts += [fact] if fact else []
                    continue
                period, rest = (label, heading) if by_period else self._period(heading, short_periods)
                if period is None:
                    if rolling and heading in ("Number", "% of cases heard"):
                        period, rest = rolling_ye(self.quarter), heading
                    elif "funnel" in where or heading in COUNT_LABELS:
                        period = self.quarter
                    else:
                        continue
                col_area, rest = self._area_prefix(rest)
                area = col_area or row_area or label_area or self.district or COUNTY
                if label in self.offence_rows:  # a group's count, or its share of the groups' total
                    facts += _offence_cell(area, self.offence_rows[label], rest, period, text)
                    continue
                facts += self._cell(area, rest, label, label_measure, row_name, period, text)
        return facts

    def _cell(self, area, rest, label, label_measure, row_name, period, text) -> list[tuple]:
        if label.startswith("so:") and not rest:
            return [("value", (area, label, period), text.replace(" [r]", ""))]
        measure = COUNT_LABELS.get(rest) or (
            None if rest in PCT_LABELS else COUNT_LABELS.get(label_measure) or COUNT_LABELS.get(label)
        )
        pct = PCT_LABELS.get(rest) or (
            None if rest in COUNT_LABELS else PCT_LABELS.get(label_measure) or PCT_LABELS.get(label)
        )
        prefix = f"row:{row_name}:" if row_name else ""
        text = text.replace(" [r]", "").removesuffix("%")
        if pct and not COUNT_LABELS.get(rest):
            num, den = pct
            num = num or COUNT_LABELS.get(label_measure) or COUNT_LABELS.get(label)
            if num is None:
                return []
            return [("pct", (area, prefix + num, period), (area, prefix + den, period), text)]
        if measure:
            return [("value", (area, prefix + measure, period), text)]
        return []

    def _change(self, label, label_area, label_measure, header, text) -> tuple | None:
        periods = [h for h in header if QUARTER_RE.fullmatch(h.strip())]
        measure = COUNT_LABELS.get(label_measure) or COUNT_LABELS.get(label)
        if len(periods) < 2 or measure is None or not NUMBER.fullmatch(text):
            return None
        area = label_area or self.district or COUNTY
        return (
            "diff",
            (area, measure, periods[0]),
            (area, measure, periods[1]),
            float(text.replace(",", "")),
        )

    # charts ------------------------------------------------------------------------------------
    def chart(self, chart) -> list[tuple]:
        title = chart.title
        monthly = title.endswith(" by month")
        title = title.removesuffix(" by month")
        if " in " in title:
            words, area_words = title.split(" in ", 1)
        elif ", " in title:
            words, area_words = title.split(", ", 1)
        else:
            words, area_words = title, ""
        own_area, words = self._area_suffix(words)
        default = own_area or self.areas.get(area_words) or (self.district or COUNTY if monthly else None)
        facts = []
        for series, period, value in chart.points:
            area = self.areas.get(series) or default
            if area is None:
                return []
            text = f"{value:g}"
            if words in COUNT_LABELS:
                facts.append(("value", (area, COUNT_LABELS[words], period), text))
            elif words in PCT_LABELS and PCT_LABELS[words][0]:
                num, den = PCT_LABELS[words]
                facts.append(("pct", (area, num, period), (area, den, period), text))
            else:
                return []
        return facts

    # the feed ----------------------------------------------------------------------------------
    def feed_row(self, row, text) -> list[tuple]:
        period = row.period if row.period_type == "quarter" else ye_label(row.period)
        area = self.areas.get(row.area, row.area)
        parts = row.measure.split(".")
        return _leaf(area, parts, period, text)

    # documents ---------------------------------------------------------------------------------
    def document(self, doc: dict) -> list[tuple]:
        return list(flatten_document(doc, self.district or COUNTY, self.quarter, self.deployment, facts=True))


def _offence_cell(area: str, measure: str, rest: str, period: str, text: str) -> list[tuple]:
    """A cell of the offence-group table: a count (``DA crimes`` or no sub-heading) or a share."""
    text = text.replace(" [r]", "")
    if "share" not in rest.lower():
        return [("value", (area, measure, period), text)]
    if measure == "offence_total":
        return []  # the total's own share, 100%: nothing
    return [("pct", (area, measure, period), (area, "offence_total", period), text.removesuffix("%"))]


def _leaf(area: str, parts: list[str], period: str, value) -> list[tuple]:
    """The fact of one document leaf: ``parts`` is its path below the area (``idva.by_report_row.Housing.engaged``)."""
    if value is None or isinstance(value, bool):
        return []
    name = parts[-1]
    if "by_offence_group" in parts and len(parts) > parts.index("by_offence_group") + 1:
        group = f"offence_group:{parts[parts.index('by_offence_group') + 1]}"
        if name == "da_crimes":
            return [("value", (area, group, period), value)]
        if name == "share_pct":
            return [("pct", (area, group, period), (area, "offence_total", period), value)]
        return []
    prefix = ""
    if "by_report_row" in parts:
        i = parts.index("by_report_row")
        prefix = f"row:{'.'.join(parts[i + 1 : -1])}:"
    if "sexual_orientation" in parts:
        return [("value", (area, "not_asked" if name == "Not asked" else f"so:{name}", period), value)]
    if name in JSON_PCT:
        num, den = JSON_PCT[name]
        return [("pct", (area, prefix + num, period), (area, prefix + den, period), value)]
    if name in JSON_COUNTS:
        return [("value", (area, prefix + name, period), value)]
    return []


def flatten_document(doc: dict, area: str, quarter: str, deployment, facts: bool = False):
    """(key, value) of every figure in a metrics or slice document (with ``facts``: fact tuples)."""
    out: list[tuple] = []
    reporting = deployment.police_reporting_area.name if deployment.police_reporting_area else None

    def walk(node, parts: list[str], who: str, period: str) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key in ("status", "repeat_check", "period", "complete", "missing_months", "not_supplied"):
                    continue
                if key == "by_area" and isinstance(value, dict):
                    for name, sub in value.items():
                        walk(sub, [*parts], COUNTY if name == COUNTY else name, period)
                elif key == "reporting_area" and isinstance(value, dict):
                    walk(value, [*parts], value.get("name", reporting), period)
                elif key == "total" and isinstance(value, dict):
                    walk(value, [*parts], who, period)
                elif key == "rolling_12_months":
                    walk({k: v for k, v in value.items() if k in ("cases_heard", "repeat_cases", "repeat_pct")},
                         parts, who, rolling_ye(quarter))  # fmt: skip
                else:
                    walk(value, [*parts, key], who, period)
        else:
            out.extend(_leaf(who, parts, period, node))

    for part in ("idva", "marac", "police", "demographics"):
        if isinstance(doc.get(part), dict):
            walk(doc[part], [part], area, quarter)
    year = doc.get("year_ending")
    if isinstance(year, dict) and year.get("year_ending"):
        for part in ("idva", "marac", "police"):
            if isinstance(year.get(part), dict):
                walk(year[part], [part], area, ye_label(year["year_ending"]))
    for pair in doc.get("year_ending_years") or []:
        for side, who in (("district", area), ("county", COUNTY)):
            sub = pair.get(side) or {}
            for part in ("idva", "marac", "police"):
                if isinstance(sub.get(part), dict) and sub.get("year_ending"):
                    walk(sub[part], [part], who, ye_label(sub["year_ending"]))
    if isinstance(doc.get("county"), dict):
        for part in ("idva", "marac", "police", "demographics"):
            if isinstance(doc["county"].get(part), dict):
                walk(doc["county"][part], [part], COUNTY, quarter)
    cells = (doc.get("suppression") or {}).get("cells") or {}
    for cell, value in cells.items():
        who, measure, period = cell.split("|")
        out.append(("value", (who, measure, period), value))
    for path, interval in _items(doc.get("intervals")):
        if isinstance(interval, dict) and "value" in interval and path[-1] in JSON_COUNTS:
            who = path[2] if len(path) > 3 and path[1] == "by_area" else area
            value = interval["value"]
            out.extend(_leaf(who, path, quarter, int(value) if float(value).is_integer() else value))
    previous = Quarter.parse(quarter).previous().label
    police = doc.get("police") or {}
    for name, change in (doc.get("changes") or {}).items():
        parts = name.split(".")
        who = area
        if (
            parts[0] == "police"
            and area == COUNTY
            and (police.get("reporting_area") or {}).get(parts[-1]) == change.get("to")
        ):
            who = reporting
        if isinstance(change, dict):
            out.extend(_leaf(who, parts, previous, change.get("from")))
            out.extend(_leaf(who, parts, quarter, change.get("to")))
    funnel = doc.get("funnel") or {}
    measure = str(funnel.get("measure", "")).split(".")[-1]
    for name, entry in (funnel.get("areas") or {}).items():
        if measure in JSON_COUNTS and isinstance(entry, dict):
            out.append(("value", (name, measure, quarter), entry.get("count")))
    for name, summary in (doc.get("variation") or {}).items():
        parts = name.split(".")
        if not isinstance(summary, dict) or summary.get("mean") is None or not summary.get("points"):
            continue
        who = reporting if parts[0] == "police" and area == COUNTY and reporting else area
        end = Quarter.parse(quarter).months[-1]
        index = end.year * 12 + end.month - 1
        months = [f"{(index - i) // 12}-{(index - i) % 12 + 1:02d}" for i in range(int(summary["points"]))]
        out.append(("mean", [(who, parts[-1], m) for m in months], summary["mean"]))
    if facts:
        return [f for f in out if f[0] != "value" or f[2] is not None]
    return [(f[1], f[2]) for f in out if f[0] == "value" and f[2] is not None]


def _items(node, path=()):
    if isinstance(node, dict):
        if "value" in node and "method" in node:
            yield list(path), node
            return
        for key, value in node.items():
            yield from _items(value, (*path, key))
