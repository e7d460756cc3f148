"""The operators' alerts, kept by the Prefect server itself: ``python -m dasv.flows.alerts`` (``make prefect-deploy``).

It writes, on the server named by ``PREFECT_API_URL``:

- the ``dasv-operators`` e-mail block (``flows/notices.py``): the deployment YAML's
  ``delivery.operator`` addresses, sender, SMTP server and STARTTLS, with ``DASV_SMTP_HOST`` /
  ``DASV_SMTP_PORT`` from this shell overriding the server, and the password from
  ``DASV_SMTP_PASSWORD`` or the ``dasv-smtp-password`` Secret block;
- the ``dasv-run-failed`` automation: any run tagged ``dasv`` that ends Failed, Crashed or
  TimedOut is e-mailed by the server through that block (no worker needed);
- the ``dasv-run-lost`` automation: a running run that has sent no heartbeat for
  ``LOST_AFTER_SECONDS`` (its worker or machine died with it) is marked Crashed, which the first
  automation then e-mails. Runs send a heartbeat every ``PREFECT_FLOWS_HEARTBEAT_FREQUENCY``
  seconds (``HEARTBEAT_SECONDS``; ``make prefect-worker`` sets it).

Running it again replaces them (same names). Each dasv flow, when it starts, lists the notices the
server could not send since the last one it sent (``report_undelivered``): one error line in its
log each, and the ``dasv-undelivered-notices`` artifact.
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime, timedelta

from dasv.delivery import BODY, SUBJECT
from dasv.flows.notices import BLOCK_NAME, OperatorEmail

RUN_FAILED = "dasv-run-failed"
RUN_LOST = "dasv-run-lost"
HEARTBEAT_SECONDS = 30  # the shortest Prefect allows
LOST_AFTER_SECONDS = 45  # a heartbeat late by this much: the run is lost (heartbeats come every 30 s)
ENDED = ("Completed", "Failed", "Crashed", "Cancelled", "TimedOut")
UNDELIVERED_KEY = "dasv-undelivered-notices"
LOST_MESSAGE = (
    f"The run sent no heartbeat for {LOST_AFTER_SECONDS} s: its worker or its machine stopped with it; "
    "run it again"
)


def operator_block(delivery, settings) -> OperatorEmail | None:
    """The e-mail block for this configuration and environment; None without an operator address."""
    from dasv.delivery import smtp_password

    if not delivery.operator:
        return None
    host = settings.smtp_host or (None if settings.demo else delivery.smtp_host)
    password = smtp_password(settings) if delivery.username else None
    return OperatorEmail(to=list(delivery.operator), sender=delivery.sender, smtp_host=host,
                         smtp_port=settings.smtp_port or delivery.smtp_port, starttls=delivery.starttls,
                         username=delivery.username, password=password)  # fmt: skip


def _dasv_runs():
    from prefect.events.schemas.events import ResourceSpecification

    return (ResourceSpecification({"prefect.resource.id": "prefect.flow-run.*"}),
            ResourceSpecification({"prefect.resource.role": "tag", "prefect.resource.id": "prefect.tag.dasv"}))  # fmt: skip


def automations(block_id) -> list:
    """The two automations (``AutomationCore``); without a block, only the lost-run one."""
    from prefect.client.schemas.objects import StateType
    from prefect.events.actions import ChangeFlowRunState, SendNotification
    from prefect.events.schemas.automations import AutomationCore, EventTrigger, Posture

    match, related = _dasv_runs()
    out = [AutomationCore(
        name=RUN_LOST, description="A dasv run stopped sending heartbeats (its worker died): mark it Crashed.",
        trigger=EventTrigger(match=match, match_related=related, after={"prefect.flow-run.heartbeat"},
                             expect={"prefect.flow-run.heartbeat", *(f"prefect.flow-run.{s}" for s in ENDED)},
                             for_each={"prefect.resource.id"}, posture=Posture.Proactive, threshold=1,
                             within=timedelta(seconds=LOST_AFTER_SECONDS)),
        actions=[ChangeFlowRunState(state=StateType.CRASHED, name="Crashed", message=LOST_MESSAGE, force=True)],
    )]  # fmt: skip
    if block_id is not None:
        out.append(AutomationCore(
            name=RUN_FAILED, description="A dasv run ended Failed, Crashed or TimedOut: e-mail the operators.",
            trigger=EventTrigger(match=match, match_related=related, posture=Posture.Reactive, threshold=1,
                                 expect={f"prefect.flow-run.{s}" for s in ("Failed", "Crashed", "TimedOut")}),
            actions=[SendNotification(block_document_id=block_id, subject=SUBJECT, body=BODY)],
        ))  # fmt: skip
    return out


def apply() -> list[str]:
    """Write the block and the automations on the server; what was done, one line each."""
    from prefect.client.orchestration import get_client

    from dasv.tasks.common import current_deployment, settings

    config = settings()
    block = operator_block(current_deployment().delivery, config)
    lines = []
    block_id = None
    if block is None:
        lines.append(
            "No operator address (delivery.operator in the deployment YAML): failed runs are not e-mailed"
        )
    else:
        block_id = block.save(BLOCK_NAME, overwrite=True)
        where = f"through {block.smtp_host}:{block.smtp_port}" if block.smtp_host else (
            "but not sent: no SMTP server (demo; set DASV_SMTP_HOST and run this again)")  # fmt: skip
        lines.append(f"Block {BLOCK_NAME}: failed runs are e-mailed to {', '.join(block.to)} {where}")
    with get_client(sync_client=True) as client:
        for automation in automations(block_id):
            for old in client.read_automations_by_name(automation.name):
                client.delete_automation(old.id)
            client.create_automation(automation)
            lines.append(f"Automation {automation.name}: {automation.description}")
    return lines


def undelivered(client, days: int = 7) -> list[str]:
    """The notices the server could not send since the last one it sent (newest first), one line each."""
    from prefect.events.filters import EventFilter, EventNameFilter, EventOccurredFilter, EventResourceFilter

    found = client.read_automations_by_name(RUN_FAILED)
    if not found:
        return []
    since = datetime.now(UTC) - timedelta(days=days)
    page = client.read_events(EventFilter(
        occurred=EventOccurredFilter(since=since),
        event=EventNameFilter(name=["prefect.automation.action.executed", "prefect.automation.action.failed"]),
        resource=EventResourceFilter(id=[f"prefect.automation.{a.id}" for a in found]),
    ), limit=50)  # fmt: skip
    lines = []
    for event in sorted(page.events, key=lambda e: e.occurred, reverse=True):
        if event.event.endswith(".executed"):
            break
        detail = event.payload.get("notification_log") or event.payload.get("reason") or "no reason given"
        lines.append(f"{event.occurred:%Y-%m-%d %H:%M:%S} UTC: {detail}")
    return lines


def report_undelivered(logger) -> list[str]:
    """In a flow: log each undelivered notice at error level and publish them as an artifact (never raises)."""
    try:
        from prefect.artifacts import create_markdown_artifact
        from prefect.client.orchestration import get_client

        with get_client(sync_client=True) as client:
            lines = undelivered(client)
        if not lines:
            return []
        for line in lines:
            logger.error("A failure notice was not e-mailed: %s", line)
        text = ("# Failure notices that were not e-mailed\n\nThe Prefect server could not send these since the last "
                "notice it sent (check the SMTP settings, then `make prefect-deploy`):\n\n"
                + "\n".join(f"- {line}" for line in lines) + "\n")  # fmt: skip
        create_markdown_artifact(
            text, key=UNDELIVERED_KEY, description="Failure notices the server could not send"
        )
        return lines
    except Exception as exc:  # the report's own work matters more than this list
        logger.warning("Could not check for undelivered failure notices: %s", exc)
        return []


def main() -> None:
    """``python -m dasv.flows.alerts``: apply, print what was done."""
    try:
        for line in apply():
            print(line)
    except Exception as exc:
        print(f"dasv.flows.alerts: could not write the alerts on the Prefect server: {exc}", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
