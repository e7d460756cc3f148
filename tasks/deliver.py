"""Delivery tasks: e-mail the reports; tell the operators when a run fails."""

from __future__ import annotations

import logging

from prefect import get_run_logger, task
from prefect.cache_policies import NO_CACHE

from dasv.delivery import Message, deliver, send
from tasks.common import current_deployment, settings


@task(name="deliver-reports", retries=3, retry_delay_seconds=[5, 30, 120], cache_policy=NO_CACHE)
def deliver_reports(quarter: str, outputs: dict[str, dict[str, str]], version: int = 1) -> int:
    """E-mail the reports (attached, or their portal links), retried, then failed."""
    sent = deliver(quarter, outputs, current_deployment().delivery, settings(), version)  # as `dasv run --deliver`
    get_run_logger().info("E-mailed %d message(s) for %s", sent, quarter)
    return sent


def notify_operator(flow, flow_run, state) -> None:
    """Flow hook: e-mail the operator address the failed run's link (best effort, never raises)."""
    try:
        from prefect.settings import PREFECT_UI_URL

        delivery = current_deployment().delivery
        if not delivery.operator:
            return
        link = f"{PREFECT_UI_URL.value() or ''}/runs/flow-run/{flow_run.id}"
        body = (f"The Prefect run {flow_run.name} of {flow.name} failed: {state.message}\n\n"
                f"Parameters: {flow_run.parameters}\nRun: {link}\n")  # fmt: skip
        send(
            [Message(delivery.operator, f"dasv run failed: {flow.name} ({flow_run.name})", body)],
            delivery,
            settings(),
        )
    except Exception as exc:  # the run has already failed; a failed notice must not hide why
        message = f"Could not e-mail the operators about this failure: {type(exc).__name__}: {exc}"
        try:
            from prefect.logging.loggers import flow_run_logger

            flow_run_logger(flow_run, flow).error(message)  # in the run's own logs, as an error
        except Exception:
            logging.getLogger("dasv").error(message)
