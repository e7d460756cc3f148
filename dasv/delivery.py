"""E-mail delivery: the county PDF to the partnership list, each slice to its CSP, failures to operators."""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path

from dasv.config import Delivery
from dasv.settings import Settings


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


def report_messages(outputs: dict[str, dict[str, Path]], delivery: Delivery, quarter: str) -> list[Message]:
    """The county PDF to the partnership list; each slice's PDF to its CSP's recipients."""
    messages = []
    county = outputs.get("county")
    if county and delivery.partnership:
        messages.append(Message(delivery.partnership, f"Domestic abuse quarterly performance report, {quarter}",
                                f"The {quarter} report is attached. It is not suppressed: for the DASV Board only.",
                                county["pdf"]))  # fmt: skip
    for district, paths in outputs.items():
        recipients = delivery.districts.get(district)
        if district != "county" and recipients:
            messages.append(Message(recipients, f"{district}: domestic abuse figures, {quarter}",
                                    f"The {quarter} slice for {district} is attached. Small numbers are suppressed; "
                                    "it is safe to circulate.", paths["pdf"]))  # fmt: skip
    return messages


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
