"""Passwords: what may be one (NCSC, ASVS 2.1), and their Argon2id hashes.

A password has ``MIN_PASSWORD`` characters or more (length over complexity) and is not easy to
guess: zxcvbn (Dropbox's estimator, the ``zxcvbn`` package, MIT) matches it against the
frequency lists it ships (passwords from public breaches, English words, names, keyboard
patterns, dates, sequences) and against the account's own identifiers, offline. A password
whose estimate is under ``MIN_SCORE`` (fewer than 10^10 guesses), or that is mostly the
account's own identifiers, is refused with the reason.
"""

from __future__ import annotations

import re
import secrets
import threading
from functools import cache

MIN_PASSWORD, MAX_PASSWORD = 12, 1000
MIN_SCORE = 3  # zxcvbn: 3 is "safely unguessable" against an online attack, 10^10 guesses or more
CHECKED = 72  # zxcvbn reads this many characters at most (a longer password is no weaker than its start)
ADVICE = "A few unrelated words make a strong password."
_zxcvbn_lock = threading.Lock()  # zxcvbn keeps the user inputs in a module-level dictionary


def identifiers(email: str, districts: list[str] | tuple[str, ...] = ()) -> list[str]:
    """An account's own words: its e-mail address, the address's parts, its districts."""
    email = email.strip().lower()
    local, _, domain = email.partition("@")
    parts = re.split(r"[^a-z0-9]+", email)
    words = [email, local, domain, *parts, *(d.lower() for d in districts)]
    return [w for w in dict.fromkeys(words) if w]


def problem(password: str, own: list[str] | tuple[str, ...] = ()) -> str | None:
    """Why a password may not be used, in words for its owner; None when it may."""
    if len(password) < MIN_PASSWORD:
        return f"the password has {len(password)} characters; use at least {MIN_PASSWORD} characters"
    if len(password) > MAX_PASSWORD:
        return f"the password has {len(password)} characters; use at most {MAX_PASSWORD}"
    from zxcvbn import zxcvbn

    with _zxcvbn_lock:
        found = zxcvbn(password[:CHECKED], user_inputs=list(own))
    mine = sum(len(m["token"]) for m in found["sequence"] if m.get("dictionary_name") == "user_inputs")
    if mine * 2 >= min(len(password), CHECKED):
        return f"the password is mostly your own e-mail address or district; choose another. {ADVICE}"
    if found["score"] < MIN_SCORE:
        why = (
            found["feedback"]["warning"] or "It is like passwords on lists of common and breached passwords."
        )
        return f"the password is too easy to guess ({why[0].lower()}{why[1:].rstrip('.')}); choose another. {ADVICE}"
    return None


@cache
def hasher():
    """Argon2id with the library's (OWASP-aligned) default costs: 64 MiB, 3 passes, 4 lanes."""
    from argon2 import PasswordHasher

    return PasswordHasher()


def hash_password(password: str) -> str:
    """The Argon2id hash stored for a password."""
    return hasher().hash(password)


_DUMMY: list[str] = []


def verify(stored: str | None, password: str) -> bool:
    """Whether the password is the one hashed; with no hash, the same work against a random one (no timing oracle)."""
    from argon2.exceptions import InvalidHashError, VerificationError

    if stored is None:
        if not _DUMMY:
            _DUMMY.append(hash_password(secrets.token_hex(16)))
        stored = _DUMMY[0]
    try:
        return hasher().verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False
