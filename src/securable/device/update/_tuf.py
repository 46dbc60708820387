"""The python-tuf and securesystemslib names this package uses, imported in one place.

Both libraries ship type information but re-export their public classes without ``__all__``;
importing them here (and nowhere else) keeps strict type checking quiet in one spot and makes
the dependency surface on python-tuf easy to review when it changes major version.
"""

from __future__ import annotations

from securesystemslib.signer import CryptoSigner, Signer  # type: ignore[attr-defined]
from tuf.api import exceptions
from tuf.api.metadata import (  # type: ignore[attr-defined]
    Delegations,
    Metadata,
    MetaFile,
    Root,
    Snapshot,
    SuccinctRoles,
    TargetFile,
    Targets,
    Timestamp,
)
from tuf.api.serialization.json import JSONSerializer
from tuf.ngclient import Updater, UpdaterConfig  # type: ignore[attr-defined]
from tuf.ngclient.fetcher import FetcherInterface

__all__ = [
    "CryptoSigner",
    "Delegations",
    "FetcherInterface",
    "JSONSerializer",
    "MetaFile",
    "Metadata",
    "Root",
    "Signer",
    "Snapshot",
    "SuccinctRoles",
    "TargetFile",
    "Targets",
    "Timestamp",
    "Updater",
    "UpdaterConfig",
    "exceptions",
]
