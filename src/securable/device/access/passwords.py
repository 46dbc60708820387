"""Credentials that no two devices share, a policy that refuses guessable passwords, argon2id hashing.

Why: the most exploited IoT weakness is a default password shared by a whole product line
(EN 303 645 provision 5.1-1/5.1-2, NIST IR 8425 IAC-2, CRA Annex I 2.d). A device therefore
either gets a random credential at provisioning, printed on its label, or its owner must choose
one at first use — and a chosen one must not be a well-known password, the username or the
serial number (provision 5.1-4's idea of resistance to guessing). Hashing is argon2id
(memory-hard, RFC 9106) so a stolen account file is expensive to crack.
"""

from __future__ import annotations

import math
import secrets
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources

from argon2 import PasswordHasher, Type

from securable.errors import UsageError

__all__ = [
    "DEFAULT_HASHER_PARAMETERS",
    "PasswordPolicy",
    "PasswordRejectedError",
    "common_passwords",
    "generate_initial_credential",
    "new_password_hasher",
]

# 31 symbols (about 4.95 bits each): no 0/o or 1/l/i, so a printed label reads without doubt.
_LABEL_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"

DEFAULT_HASHER_PARAMETERS = {"time_cost": 2, "memory_cost": 19_456, "parallelism": 1}
"""argon2id, t=2, m=19 MiB, p=1: OWASP's minimum argon2id setting. Why not argon2-cffi's default
(RFC 9106 low-memory, 64 MiB, p=4): a device with tens of MiB of RAM and one or two cores cannot
spend 64 MiB and four lanes per login, and a login that costs tens of milliseconds already makes
offline guessing of a random 80-bit label credential hopeless. Measured by benchmarks/bench_vault:
about 22 ms per verification on a 2-core x86 VM (argon2-cffi's default: about 110 ms)."""


class PasswordRejectedError(UsageError):
    """A new password breaks the password policy; the message says which rule."""


def new_password_hasher(**overrides: int) -> PasswordHasher:
    """The argon2id hasher the device uses (``overrides`` change time/memory/parallelism)."""
    params = {**DEFAULT_HASHER_PARAMETERS, **overrides}
    return PasswordHasher(
        time_cost=params["time_cost"],
        memory_cost=params["memory_cost"],
        parallelism=params["parallelism"],
        hash_len=32,
        salt_len=16,
        type=Type.ID,
    )


def generate_initial_credential(bits: int = 80) -> str:
    """A random password for the device label: at least ``bits`` bits, groups of four, easy to type.

    Drawn from the OS CSPRNG (``secrets``) — never derived from the serial number, MAC address or
    anything else that is public or guessable.
    """
    if bits < 80:
        raise UsageError(
            f"an initial credential needs at least 80 bits of entropy, not {bits}",
            diagnostics="call generate_initial_credential() with bits >= 80",
        )
    per_symbol = math.log2(len(_LABEL_ALPHABET))
    count = math.ceil(bits / per_symbol)
    count += (-count) % 4
    symbols = "".join(secrets.choice(_LABEL_ALPHABET) for _ in range(count))
    return "-".join(symbols[i : i + 4] for i in range(0, count, 4))


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    """The shipped list of common and breached passwords, lower-cased."""
    text = resources.files("securable.device").joinpath("data/common_passwords.txt").read_text("utf-8")
    return frozenset(
        line.strip().lower() for line in text.splitlines() if line.strip() and not line.startswith("#")
    )


def _normalised(value: str) -> str:
    return "".join(ch for ch in value.lower() if ch.isalnum())


@dataclass(frozen=True)
class PasswordPolicy:
    """Rules a new password must pass. Length over composition rules (NIST SP 800-63B's advice)."""

    min_length: int = 10
    max_length: int = 256
    refuse_common: bool = True
    extra_refused: frozenset[str] = field(default_factory=frozenset)

    def check(self, password: str, *, username: str = "", serial: str = "") -> None:
        """Raise :class:`PasswordRejectedError` naming the broken rule; return quietly when fine."""
        fix = "choose a longer passphrase of unrelated words, or use the label credential"
        if len(password) < self.min_length:
            raise PasswordRejectedError(
                f"password is shorter than {self.min_length} characters", diagnostics=fix
            )
        if len(password) > self.max_length:
            raise PasswordRejectedError(
                f"password is longer than {self.max_length} characters", diagnostics=fix
            )
        lowered = password.lower()
        if self.refuse_common and (lowered in common_passwords() or lowered in self.extra_refused):
            raise PasswordRejectedError(
                "password is on the list of common or breached passwords", diagnostics=fix
            )
        norm = _normalised(password)
        for name, value in (("username", username), ("serial number", serial)):
            if value and (_normalised(value) == norm or (len(value) >= 4 and _normalised(value) in norm)):
                raise PasswordRejectedError(f"password contains the {name}", diagnostics=fix)
        if len(set(password)) < 4:
            raise PasswordRejectedError("password repeats too few different characters", diagnostics=fix)
