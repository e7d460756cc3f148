"""The statistical context of a quarter's figures: ``variation``, ``intervals`` and ``changes``.

docs/statistics.md fixes the keys: ``variation`` summarises each monthly series' SPC chart;
``intervals`` gives a 95% interval for every count, percentage and rate of the metrics
document (Byar for counts and rates, Wilson for percentages); ``changes`` tests each
headline measure's change from the previous quarter (exact conditional Poisson test for
counts, Newcombe interval for percentages). All computed from counts, rounded once.
"""

from __future__ import annotations

from dasv.config import Deployment
from dasv.measures import catalogue
from dasv.measures.intervals import Interval, byar, newcombe, poisson_change_p, rate_interval, wilson
from dasv.measures.rates import exact_ratio, round_half_up
from dasv.measures.series import COUNTY, REPORTING, MonthlySeries
from dasv.measures.spc import SpcResult, analyse

NOTABLE_P = 0.05
# from the catalogue: the series the county report charts (the headline's police rows cover the
# reporting area), those analysed as SPC charts, the IDVA percentages and counts
CHARTED = catalogue.keys(charted=True)
SPC_MEASURES = catalogue.keys(spc=True)
IDVA_PCTS = catalogue.percentages("idva")
IDVA_COUNTS = catalogue.names("idva", slice=True)


def series_scope(measure: str, deployment: Deployment, area: str = COUNTY) -> str:
    """The series a county figure uses: police rows cover the reporting area when one is configured."""
    if area == COUNTY and measure.startswith("police.") and deployment.police_reporting_area:
        return REPORTING
    return area


def variation(series: MonthlySeries, deployment: Deployment, area: str = COUNTY) -> dict[str, SpcResult]:
    """Each measure's SPC chart for the county (or one area), with the configured rebase months."""
    rebase = deployment.spc.rebase if deployment.spc else {}
    out = {}
    for measure in SPC_MEASURES:
        months, values = series.series(measure, series_scope(measure, deployment, area))
        if months:
            out[measure] = analyse(months, values, rebase.get(measure, []))
    return out


def intervals(doc: dict) -> dict[str, dict]:
    """A 95% interval for every count, percentage and rate of a county metrics document."""
    out: dict[str, Interval | None] = {}
    idva = doc["idva"]
    scopes = {"total": idva["total"], **{f"by_area.{a}": c for a, c in idva["by_area"].items()},
              **{f"by_report_row.{r}": c for r, c in idva["by_report_row"].items()}}  # fmt: skip
    for scope, counts in scopes.items():
        for key in IDVA_COUNTS:
            out[f"idva.{scope}.{key}"] = _count(counts[key])
        for key, (num, den) in IDVA_PCTS.items():
            out[f"idva.{scope}.{key}"] = _pct(counts[num], counts[den])
    marac = doc["marac"]
    for key in ("referrals", "cases_heard", "repeat_cases"):
        out[f"marac.{key}"] = _count(marac[key])
    out["marac.repeat_pct"] = _pct(marac["repeat_cases"], marac["cases_heard"])
    rolling = marac.get("rolling_12_months") or {}
    heard = rolling.get("cases_heard")
    for key in ("repeat", "partner_agency", "male", "disabled", "lgbt", "minority_ethnic", "aged_16_17"):
        count_key = {
            "repeat": "repeat_cases",
            "partner_agency": "partner_agency_referrals",
            "male": "male_victims",
        }.get(key, key)
        if count_key in rolling:
            out[f"marac.rolling_12_months.{key}_pct"] = _pct(rolling[count_key], heard)
    if rolling.get("women_16_plus") and isinstance(heard, int):
        out["marac.rolling_12_months.cases_per_10000_women"] = rate_interval(
            heard, rolling["women_16_plus"], 10_000
        )
    police = doc["police"]
    scopes = {"total": police["total"], **({"reporting_area": police["reporting_area"]} if "reporting_area" in police else {}),
              **{f"by_area.{a}": v for a, v in police["by_area"].items()}}  # fmt: skip
    for scope, figures in scopes.items():
        complete = figures.get("complete", figures.get("months") == 3)
        if not complete:
            continue
        for key in ("da_incidents", "da_crimes"):
            out[f"police.{scope}.{key}"] = _count(figures[key])
        base = figures.get("population_16_plus")
        if base:
            out[f"police.{scope}.incidents_per_1000"] = rate_interval(figures["da_incidents"], base, 1000)
            out[f"police.{scope}.crimes_per_1000"] = rate_interval(figures["da_crimes"], base, 1000)
    return {key: ci.as_dict() for key, ci in out.items() if ci is not None}


def changes(now: dict, before: dict) -> dict[str, dict]:
    """Each headline measure against the previous quarter, tested (docs/statistics.md ``changes``)."""
    out = {}
    pairs = {
        "idva.total_referrals": (
            now["idva"]["total"]["total_referrals"],
            before["idva"]["total"]["total_referrals"],
        ),
        "idva.criteria_met": (now["idva"]["total"]["criteria_met"], before["idva"]["total"]["criteria_met"]),
        "idva.repeats": (now["idva"]["total"]["repeats"], before["idva"]["total"]["repeats"]),
        "marac.referrals": (now["marac"]["referrals"], before["marac"]["referrals"]),
        "marac.cases_heard": (now["marac"]["cases_heard"], before["marac"]["cases_heard"]),
    }
    scope = "reporting_area" if "reporting_area" in now["police"] else "total"
    if now["police"][scope]["complete"] and before["police"].get(scope, {}).get("complete"):
        for key in ("da_incidents", "da_crimes"):
            pairs[f"police.{key}"] = (now["police"][scope][key], before["police"][scope][key])
    for key, (to, frm) in pairs.items():
        out[key] = count_change(frm, to)
    n, b = now["idva"]["total"], before["idva"]["total"]
    out["idva.engagement_pct"] = pct_change(b["engaged"], b["criteria_met"], n["engaged"], n["criteria_met"])
    return {k: v for k, v in out.items() if v is not None}


def count_change(before: int, now: int) -> dict | None:
    """From, to, the change in percent, the exact conditional test's p-value, and whether it is notable."""
    if not isinstance(before, int) or not isinstance(now, int):
        return None
    p = poisson_change_p(now, before)
    pct = exact_ratio(now - before, before)
    return {"from": before, "to": now, "change_pct": None if pct is None else round_half_up(pct, 1),
            "p_value": None if p is None else round_half_up(p, 3), "notable": p is not None and p < NOTABLE_P}  # fmt: skip


def pct_change(k_before: int, n_before: int, k_now: int, n_now: int) -> dict | None:
    """A percentage's change in points with its Newcombe interval; notable when it excludes 0."""
    if not all(isinstance(x, int) for x in (k_before, n_before, k_now, n_now)):
        return None
    frm, to = exact_ratio(k_before, n_before), exact_ratio(k_now, n_now)
    if frm is None or to is None:
        return None
    interval = newcombe(k_now, n_now, k_before, n_before)
    notable = interval is not None and (interval[0] > 0 or interval[1] < 0)
    return {"from": round_half_up(frm, 1), "to": round_half_up(to, 1), "change_points": round_half_up(to - frm, 1),
            "interval": [round_half_up(x, 1) for x in interval] if interval else None, "p_value": None,
            "notable": notable}  # fmt: skip


def _count(value) -> Interval | None:
    return byar(value) if isinstance(value, int) and value >= 0 else None


def _pct(numerator, denominator) -> Interval | None:
    if not isinstance(numerator, int) or not isinstance(denominator, int):
        return None
    return wilson(numerator, denominator)
