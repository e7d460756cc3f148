"""The operators' e-mail about a run that ended Failed, Crashed or TimedOut, sent by the Prefect server itself.

The ``dasv-run-failed`` automation (``flows/alerts.py``, applied by ``make prefect-deploy``) sends
it with Prefect's server-side "send a notification" action through the ``dasv-operators`` block
of the type defined here: no worker is involved, so a notice reaches the operators when the
worker cannot load the flow, has died, or is stopped. The server imports this module when it
starts (a ``prefect.collections`` entry point in ``pyproject.toml``, like
``flows/schema_formats.py``), so it knows the block type.

The message is written once, as the templates below: the server fills them in (Jinja, with the
run, its flow and its state), and so does a flow's own failure hook for flows called directly,
outside a deployment (``dasv.tasks.deliver.failure_message``). The e-mail goes through the project's
one SMTP path (``dasv.delivery.send``). When it cannot be sent, the server logs one line at
error level and the action fails (Prefect records ``prefect.automation.action.failed``, shown
under Events in the UI); the next run lists undelivered notices in its log and an artifact
(``dasv.flows.alerts.report_undelivered``).

Kept light: imported by every Prefect process that loads collections.
"""

from __future__ import annotations

from typing import ClassVar

from prefect.blocks.abstract import NotificationBlock, NotificationError
from pydantic import Field, SecretStr

BLOCK_NAME = "dasv-operators"


class OperatorEmail(NotificationBlock):
    """E-mail to the operators through an SMTP server (the deployment YAML's ``delivery``)."""

    _block_type_name: ClassVar[str] = "dasv Operator E-mail"
    _block_type_slug: ClassVar[str] = "dasv-operator-email"
    _description: ClassVar[str] = (
        "E-mails dasv-reporting's operators; written by `make prefect-deploy` from the deployment "
        "YAML's delivery section and DASV_SMTP_HOST/DASV_SMTP_PORT."
    )

    to: list[str] = Field(description="The operators' addresses (delivery.operator).")
    sender: str = Field(default="dasv-reports@localhost")
    smtp_host: str | None = Field(
        default=None, description="None: the demo without an SMTP server; logged only."
    )
    smtp_port: int = 25
    starttls: bool = False
    username: str | None = None
    password: SecretStr | None = None

    def send(self, subject: str, body: str) -> None:
        """Send one message now (``dasv.delivery.send``).

        Raises:
            DeliveryError: the SMTP server refused it or could not be reached.
        """
        from dasv.config import Delivery
        from dasv.delivery import Message, send
        from dasv.settings import Settings

        delivery = Delivery(smtp_host=self.smtp_host, smtp_port=self.smtp_port, starttls=self.starttls,
                            username=self.username, sender=self.sender, operator=self.to)  # fmt: skip
        settings = Settings(smtp_host=self.smtp_host, smtp_port=self.smtp_port, smtp_password=self.password)
        send([Message(self.to, subject, body)], delivery, settings)

    async def notify(self, body: str, subject: str | None = None) -> None:
        """Send it (in a thread: the server's loop goes on); a failure is one error line, then NotificationError."""
        from anyio import to_thread
        from prefect.logging import get_logger

        logger = get_logger("dasv.notices")
        subject = subject or "dasv notice"
        if not self.smtp_host:
            logger.warning("Not e-mailed (no SMTP server: set DASV_SMTP_HOST and run make prefect-deploy "
                           "again): %s", subject)  # fmt: skip
            return
        try:
            await to_thread.run_sync(self.send, subject, body)
        except Exception as exc:
            line = f"Could not e-mail the operators ({', '.join(self.to)}) '{subject}': {exc}"
            logger.error("%s", line)
            if self._raise_on_failure:
                raise NotificationError(log=line) from None
            return
        logger.info("E-mailed %s: %s", ", ".join(self.to), subject)
