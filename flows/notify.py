"""Tell the operators about a run that ended Failed, Crashed or TimedOut (the notify-operator deployment).

The ``dasv-run-failed`` automation (a trigger of this deployment in ``prefect.yaml``, applied by
``prefect deploy``) runs it for every run of a deployment tagged ``dasv`` that reaches one of those
states, whatever stopped it: a refusal, a bug, a worker that died, a run whose code could not be
loaded (which no ``on_failure`` hook can see). The e-mail is the one the flows' hook sends
(``tasks.deliver.failure_message``), through our SMTP settings (the deployment YAML's ``delivery``,
``DASV_SMTP_*``, the ``dasv-smtp-password`` Secret block) so that there is one place to set them.

This flow is tagged ``dasv-notify``, not ``dasv``: its own failure does not call itself again.
"""

from __future__ import annotations

from uuid import UUID

from prefect import flow, get_run_logger
from prefect.client.orchestration import get_client
from prefect.states import Failed

from dasv.delivery import DeliveryError
from tasks.deliver import failure_message, send_notice


def run_id_of(resource: str) -> UUID:
    """``prefect.flow-run.<id>`` (the event's resource) or a bare id -> the id.

    Raises:
        ValueError: neither.
    """
    return UUID(str(resource).rsplit(".", 1)[-1])


@flow(name="notify-operator", log_prints=False)
def notify_operator(flow_run_id: str):
    """E-mail the operator address about a run that ended Failed, Crashed or TimedOut.

    Args:
        flow_run_id: The run to tell about (its id, or the event's ``prefect.flow-run.<id>``).
    """
    logger = get_run_logger()
    try:
        run_id = run_id_of(flow_run_id)
    except ValueError:
        return Failed(message=f"{flow_run_id!r} is not a flow run id")
    with get_client(sync_client=True) as client:
        run = client.read_flow_run(run_id)
        flow_name = client.read_flow(run.flow_id).name
    state = run.state
    message = failure_message(flow_name, run.name, run.id, state.message if state else None, run.parameters,
                              state.name if state else "Failed")  # fmt: skip
    if message is None:
        logger.info("No operator address in the configuration (delivery.operator): nobody to tell")
        return None
    try:
        if send_notice(message, logger):
            logger.info("Told %s: %s", ", ".join(message.to), message.subject)
    except DeliveryError as exc:
        logger.error("%s", exc)
        return Failed(message=f"Could not e-mail the operators about run {run.name}: {exc}")
    return message.subject
