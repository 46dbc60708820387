"""The shipped list of well-known default credentials, shared by the firmware and network checks.

One file (``data/default_credentials.txt``, tab-separated: vendor, service, user, password) so
that a password found in an image's ``/etc/shadow`` and one tried against a live login come from
the same list. A user of ``*`` means the password is a common weak one, tried for every account.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from importlib import resources

ANY_USER = "*"


@dataclass(frozen=True)
class DefaultCredential:
    vendor: str
    service: str
    user: str  # ANY_USER for every account
    password: str


def parse_default_credentials(text: str) -> tuple[DefaultCredential, ...]:
    """Rows of the tab-separated list; comment lines (``#``) and malformed rows are skipped."""
    out: list[DefaultCredential] = []
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        fields = line.split("\t")
        if len(fields) == 4:
            out.append(DefaultCredential(*fields))
    return tuple(out)


@functools.cache
def default_credentials() -> tuple[DefaultCredential, ...]:
    """The list shipped as package data."""
    text = resources.files("securable.assess").joinpath("data/default_credentials.txt").read_text("utf-8")
    return parse_default_credentials(text)
