"""The manufacturer's tools: what runs in the factory and the release pipeline, never on a device.

* :class:`ManufacturerCA` and :func:`provision_device` — the device CA that issues each unit's
  IDevID on the production line (NIST IR 8259A device identification; IR 8425 AI-1);
* :class:`ReleaseRepository` (with :class:`RepositorySettings` and :class:`RepositoryError`) —
  builds and signs the TUF release repository with ``tuf.api``;
* :class:`RepositoryServer`, :func:`serve_in_thread` and :func:`copy_public` — serve or copy the
  published repository for demos, tests and upload.

They live apart from :mod:`securable.device` so that importing the device library loads neither
the repository tooling nor ``http.server``: a device needs only to *verify* updates and
identities. Import them from here::

    from securable.device.manufacturer import ManufacturerCA, ReleaseRepository, provision_device
"""

from __future__ import annotations

from securable.device.identity import ManufacturerCA, provision_device
from securable.device.update.repository import ReleaseRepository, RepositoryError, RepositorySettings
from securable.device.update.server import RepositoryServer, copy_public, serve_in_thread

__all__ = [
    "ManufacturerCA",
    "ReleaseRepository",
    "RepositoryError",
    "RepositoryServer",
    "RepositorySettings",
    "copy_public",
    "provision_device",
    "serve_in_thread",
]
