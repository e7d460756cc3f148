"""One district's slice on demand (the district-slice deployment)."""

from __future__ import annotations

from prefect import flow, get_run_logger

from dasv.flows.alerts import report_undelivered
from dasv.flows.params import District, ParameterError, QuarterParam, resolve_district, resolve_quarter
from dasv.flows.quarterly_report import refuse
from dasv.tasks.artifacts import publish_outputs
from dasv.tasks.common import settings
from dasv.tasks.deliver import notify_operator
from dasv.tasks.render import check_quarter_has_data, plan_slices, render_slice


@flow(name="district-slice", on_failure=[notify_operator], timeout_seconds=settings().run_timeout_seconds)
def district_slice(district: District, quarter: QuarterParam = ""):
    """Render one district's slice from the warehouse (suppression planned across all districts).

    Args:
        district: A configured district.
        quarter: Quarter to report, written '2025-26 Q3', '2025-26-Q3' or '2025-26Q3'. Leave empty
            for the latest completed quarter (Europe/London).
    """
    try:
        name = resolve_district(district)
        q = resolve_quarter(quarter)
    except ParameterError as exc:
        return refuse(str(exc))
    get_run_logger().info("District slice for %s, %s", name, q.label)
    report_undelivered(get_run_logger())
    missing = check_quarter_has_data(q.label)
    if missing:
        return refuse(missing)
    planned = plan_slices(q.label, return_state=True)
    if planned.is_failed():  # the release cannot be made safe: the plan's own words, nothing drawn
        return refuse(planned.message or f"the {q.label} release could not be planned")
    outputs = render_slice(name, planned.result())
    publish_outputs(q.label, {name: outputs}, district=name)
    return outputs
