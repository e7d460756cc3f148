"""The pseudonym key: the warehouse keeps one, and an export's identifiers become its keyed hashes.

The key's fingerprint is stored on a warehouse's first load; a load with another key is refused
(:func:`check_key`), since person keys made with another secret would never match. :func:`pseudonymise`
replaces an export's raw client, referral and case IDs by their keyed hashes before anything is written.
"""

from __future__ import annotations

from sqlalchemy import Connection, insert, select

from dasv.loaders.export import Export
from dasv.privacy import Pseudonymiser
from dasv.warehouse.models import WarehouseMeta


class KeyMismatchError(RuntimeError):
    """The warehouse was written with another pseudonym key."""


def check_key(conn: Connection, pseudonymiser: Pseudonymiser) -> None:
    """Record the key's fingerprint on first use; refuse a different key afterwards.

    Raises:
        KeyMismatchError: person keys made with another secret would never match these.
    """
    stored = _stored_fingerprint(conn)
    if stored is None:
        conn.execute(insert(WarehouseMeta).values(key="key_fingerprint", value=pseudonymiser.fingerprint))
    elif stored != pseudonymiser.fingerprint:
        raise KeyMismatchError(
            "this warehouse was written with a different DASV_PSEUDONYM_KEY (fingerprint "
            f"{stored}, this run {pseudonymiser.fingerprint}); loading would mix person keys "
            "that can never match. Use the warehouse's own key, or a new warehouse."
        )


def key_matches(conn: Connection, pseudonymiser: Pseudonymiser) -> bool:
    """The warehouse holds no key fingerprint yet, or this key's (reads only; :func:`check_key` records it)."""
    return _stored_fingerprint(conn) in (None, pseudonymiser.fingerprint)


def _stored_fingerprint(conn: Connection) -> str | None:
    return conn.scalar(select(WarehouseMeta.value).where(WarehouseMeta.key == "key_fingerprint"))


# The raw identifiers an export carries, the key each becomes, and the kind its hash is keyed with.
RAW_IDS = {"client_id": ("person_key", "{source}-person"), "referral_ref": ("referral_key", "idva-referral"),
           "case_ref": ("case_key", "marac-case")}  # fmt: skip


def pseudonymise(export: Export, pseudo: Pseudonymiser) -> Export:
    """Replace the export's raw identifiers by their keyed hashes, in place (once: a second call checks the key).

    Each distinct client is hashed once (a person with several referrals); referral and case IDs
    are all different, so each is hashed. After this the export holds no raw identifier, so it
    may be handed between processes (a read in one, the write in another).

    Raises:
        KeyMismatchError: the export was pseudonymised with another key.
    """
    if export.key_fingerprint:
        if export.key_fingerprint != pseudo.fingerprint:
            raise KeyMismatchError(
                f"{export.path.name} was pseudonymised with another key (fingerprint {export.key_fingerprint}); "
                f"this load uses {pseudo.fingerprint}"
            )
        return export
    data = export.data
    for raw, (key, kind) in RAW_IDS.items():
        if raw not in data:
            continue
        values, kind = data.pop(raw), kind.format(source=export.source)
        if raw == "client_id":
            distinct = list(set(values))
            hashed = dict(zip(distinct, pseudo.keys(kind, distinct), strict=True))
            data[key] = [hashed[v] for v in values]
        else:  # unique within the file (the loaders check): nothing to share
            data[key] = pseudo.keys(kind, values)
    export.key_fingerprint = pseudo.fingerprint
    return export
