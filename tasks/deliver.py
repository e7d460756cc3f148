"""Delivery tasks: e-mail the reports; tell the operators when a run fails."""

from __future__ import annotations

import logging

from prefect import get_run_logger, task
from prefect.cache_policies import NO_CACHE

from dasv.delivery import Message, deliver, send
from dasv.tasks.common import current_deployment, settings


@task(name="deliver-reports", retries=3, retry_delay_seconds=[5, 30, 120], cache_policy=NO_CACHE)
def deliver_reports(quarter: str, outputs: dict[str, dict[str, str]], version: int = 1) -> int:
    """E-mail the reports (attached, or their portal links), retried, then failed."""
    sent = deliver(
        quarter, outputs, current_deployment().delivery, settings(), version
    )  # as `dasv run --deliver`
    get_run_logger().info("E-mailed %d message(s) for %s", sent, quarter)
    return sent


def failure_message(flow_name: str, run_name: str, run_id, message: str | None, parameters: dict,
                    state_name: str = "Failed") -> Message | None:  # fmt: skip
    """The operators' e-mail about a run that ended Failed, Crashed or TimedOut (None: no operator address).

    The same words as the server's (``dasv/delivery.py``'s templates, which the server's block in
    ``flows/notices.py`` sends, filled in here with Jinja as the server fills them in).
    """
    from types import SimpleNamespace

    from jinja2.sandbox import SandboxedEnvironment
    from prefect.settings import PREFECT_UI_URL

    from dasv.delivery import BODY, SUBJECT

    delivery = current_deployment().delivery
    if not delivery.operator:
        return None
    env = SandboxedEnvironment()
    env.filters["ui_url"] = lambda run: f"{PREFECT_UI_URL.value() or ''}/runs/flow-run/{run.id}"
    context = {
        "flow": SimpleNamespace(name=flow_name),
        "flow_run": SimpleNamespace(name=run_name, id=run_id, parameters=parameters,
                                    state=SimpleNamespace(name=state_name, message=message)),
    }  # fmt: skip
    subject, body = (env.from_string(t).render(context) for t in (SUBJECT, BODY))
    return Message(delivery.operator, subject, body)


def send_notice(message: Message, log) -> bool:
    """Send an operators' notice; in the demo without an SMTP server (DASV_SMTP_HOST), only log it.

    Raises:
        DeliveryError: the SMTP server refused it.
    """
    config = settings()
    if config.demo and not config.smtp_host:
        log.info("Demo: no SMTP server (set DASV_SMTP_HOST to send it); the notice for %s would say: %s",
                 ", ".join(message.to), message.body.splitlines()[0])  # fmt: skip
        return False
    send([message], current_deployment().delivery, config)
    return True


def notify_operator(flow, flow_run, state) -> None:
    """Flow hook: e-mail the operator address the failed run's link (best effort, never raises).

    Runs of a deployment are told by the Prefect server's ``dasv-run-failed`` automation instead
    (``flows/alerts.py``), which also sees crashes this hook cannot: the hook covers flows called
    directly (tests, scripts).
    """
    if getattr(flow_run, "deployment_id", None):
        return
    try:
        message = failure_message(flow.name, flow_run.name, flow_run.id, state.message, flow_run.parameters)
        if message is not None:
            from prefect.logging.loggers import flow_run_logger

            send_notice(message, flow_run_logger(flow_run, flow))
    except Exception as exc:  # the run has already failed; a failed notice must not hide why
        message = f"Could not e-mail the operators about this failure: {type(exc).__name__}: {exc}"
        try:
            from prefect.logging.loggers import flow_run_logger

            flow_run_logger(flow_run, flow).error(message)  # in the run's own logs, as an error
        except Exception:
            logging.getLogger("dasv").error(message)
