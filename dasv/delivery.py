"""E-mail delivery: the county PDF to the partnership list, each slice to its CSP, failures to operators."""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path

from dasv.config import Delivery
from dasv.settings import Settings

# The operators' failure e-mail, in the words of Prefect's notification templates (Jinja): the server's
# notification block (flows/notices.py) sends them, and a run that ends in the flow itself fills them in
# the same (tasks/deliver.py). "failed" for a Failed run, "ended Crashed" / "ended TimedOut" otherwise.
_WHAT = "{{ 'failed' if flow_run.state.name == 'Failed' else 'ended ' ~ flow_run.state.name }}"
SUBJECT = f"dasv run {_WHAT}: {{{{ flow.name }}}} ({{{{ flow_run.name }}}})"
BODY = (
    f"The Prefect run {{{{ flow_run.name }}}} of {{{{ flow.name }}}} {_WHAT}: "
    "{{ flow_run.state.message or '(no message)' }}\n\n"
    "Parameters: {{ flow_run.parameters }}\nRun: {{ flow_run|ui_url }}\n"
)


class DeliveryError(RuntimeError):
    """A message could not be handed to the SMTP server."""


@dataclass(frozen=True)
class Message:
    """One e-mail to send."""

    to: list[str]
    subject: str
    body: str
    attachment: Path | None = None


def smtp_password(settings: Settings) -> str | None:
    """The SMTP password: ``DASV_SMTP_PASSWORD``, else the Prefect Secret block ``dasv-smtp-password``."""
    if settings.smtp_password is not None:
        return settings.smtp_password.get_secret_value()
    try:
        from prefect.blocks.system import Secret

        return Secret.load("dasv-smtp-password").get()
    except Exception:  # no Prefect server, or no such block: no password
        return None


def link_messages(delivery: Delivery, quarter: str, portal_url: str, version: int) -> list[Message]:
    """``delivery.mode: link``: each recipient gets the portal address of its report, never the figures.

    Domestic abuse figures in inboxes are a risk a link avoids (docs/portal.md, "Delivery").
    """
    from dasv.quarters import Quarter
    from dasv.safe_text import slug

    q = Quarter.parse(quarter)
    base = portal_url.rstrip("/")
    revision = (f"This is version {version}: a revision of the {quarter} publication (figures changed since version "
                f"{version - 1}; the page lists them).\n\n" if version > 1 else "")  # fmt: skip
    messages = []
    if delivery.partnership:
        messages.append(Message(delivery.partnership, f"Domestic abuse quarterly performance report, {quarter}"
                                + (f" (revised, version {version})" if version > 1 else ""),
                                f"{revision}The {quarter} county report (its public edition: small numbers are suppressed "
                                f"as in the slices) is published on the portal:\n{base}/county/{q.slug}/\n"))  # fmt: skip
    for district, recipients in delivery.districts.items():
        if recipients:
            messages.append(Message(recipients, f"{district}: domestic abuse figures, {quarter}"
                                    + (f" (revised, version {version})" if version > 1 else ""),
                                    f"{revision}The {quarter} slice for {district} is published on the portal:\n"
                                    f"{base}/districts/{slug(district)}/{q.slug}/\n"))  # fmt: skip
    return messages


def report_messages(outputs: dict[str, dict[str, Path]], delivery: Delivery, quarter: str) -> list[Message]:
    """``delivery.mode: attach``: the county PDF to the partnership list; each slice's PDF to its CSP."""
    messages = []
    county = outputs.get("county")
    if county and delivery.partnership:
        messages.append(Message(delivery.partnership, f"Domestic abuse quarterly performance report, {quarter}",
                                f"The {quarter} report (its public edition: small numbers are suppressed as in the slices) "
                                "is attached. The restricted edition is never e-mailed.",
                                county["pdf"]))  # fmt: skip
    for district, paths in outputs.items():
        recipients = delivery.districts.get(district)
        if district not in ("county", "restricted") and recipients:  # the restricted edition: never e-mailed
            messages.append(Message(recipients, f"{district}: domestic abuse figures, {quarter}",
                                    f"The {quarter} slice for {district} is attached. Small numbers are suppressed; "
                                    "it is safe to circulate.", paths["pdf"]))  # fmt: skip
    return messages


def deliver(quarter: str, outputs: dict, delivery: Delivery, settings: Settings, version: int = 1) -> int:
    """E-mail a rendered quarter: the reports attached, or their portal links (``delivery.mode``).

    The one path for both ``dasv run --deliver`` and the flow's ``deliver=True``. ``outputs`` is
    ``render_quarter``'s: name (``county`` or a district) -> kind -> path (or its text).

    Raises:
        DeliveryError: the server refused the connection, the login or a message.
    """
    if delivery.mode == "link":
        messages = link_messages(delivery, quarter, settings.portal_url, version)
    else:
        paths = {name: {k: Path(v) for k, v in files.items()} for name, files in outputs.items()}
        messages = report_messages(paths, delivery, quarter)
    return send(messages, delivery, settings)


def send(messages: list[Message], delivery: Delivery, settings: Settings) -> int:
    """Send messages over one SMTP connection (STARTTLS and login when configured).

    Raises:
        DeliveryError: the server refused the connection, the login or a message.
    """
    host = settings.smtp_host or delivery.smtp_host
    port = settings.smtp_port or delivery.smtp_port
    try:
        with smtplib.SMTP(host, port, timeout=30) as smtp:
            if delivery.starttls:
                smtp.starttls(context=ssl.create_default_context())
            if delivery.username:
                smtp.login(delivery.username, smtp_password(settings) or "")
            for message in messages:
                smtp.send_message(_email(message, delivery.sender))
    except (OSError, smtplib.SMTPException) as exc:
        raise DeliveryError(f"cannot send through {host}:{port}: {exc}") from None
    return len(messages)


def _email(message: Message, sender: str) -> EmailMessage:
    mail = EmailMessage()
    mail["From"] = sender
    mail["To"] = ", ".join(message.to)
    mail["Subject"] = message.subject
    mail.set_content(message.body)
    if message.attachment is not None:
        mail.add_attachment(message.attachment.read_bytes(), maintype="application", subtype="pdf",
                            filename=message.attachment.name)  # fmt: skip
    return mail
