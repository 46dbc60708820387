"""One exception tree for all of securable.

Every error a user can cause carries two things besides its message: ``diagnostics`` — the
human fix, one line, naming the input and what to do about it — and ``exit_code`` — what the
CLI exits with (2 for bad input or usage). The CLI prints ``message`` and ``diagnostics`` and
exits; it never shows a traceback for a ``SecurableError``.

Halves add their own subclasses next to their code only when a caller needs to tell them apart;
otherwise raise one of the classes below with a message and a fix.
"""

from __future__ import annotations


class SecurableError(Exception):
    """Base of every error securable raises on purpose."""

    exit_code: int = 1

    def __init__(self, message: str, *, diagnostics: str = "", exit_code: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.diagnostics = diagnostics
        if exit_code is not None:
            self.exit_code = exit_code

    def __str__(self) -> str:
        if self.diagnostics:
            return f"{self.message} — {self.diagnostics}"
        return self.message


class UsageError(SecurableError):
    """Bad input or a bad command line: the user must change what they gave us (exit 2)."""

    exit_code = 2


# --- catalog ---------------------------------------------------------------------------------


class CatalogError(SecurableError):
    """The requirement catalog's package data is broken (a packaging or editing mistake)."""

    exit_code = 2


class CatalogDataError(CatalogError):
    """A catalog data file is malformed; the message names the file, the item and the problem."""


class UnknownRequirementError(UsageError):
    """A requirement, framework or profile ID that the catalog does not know."""


# --- device kit ------------------------------------------------------------------------------


class DeviceError(SecurableError):
    """Base for errors raised by the device library (``securable.device``)."""


class KeystoreError(DeviceError):
    """A key could not be created, found, loaded or used."""


class IdentityError(DeviceError):
    """A certificate chain or an identity proof did not verify."""


class ConfigError(DeviceError):
    """A configuration change was refused; the previous configuration stays in force."""

    exit_code = 2


class AccessDeniedError(DeviceError):
    """The principal is not authenticated or not authorized for the action."""


class IntegrityError(DeviceError):
    """Stored or received data failed an integrity check. Deliberately opaque."""


class UpdateError(DeviceError):
    """A software update was refused or could not be applied; the running image is untouched."""


class SecurityLogError(DeviceError):
    """The security log failed verification or could not be written."""


# --- assessment ------------------------------------------------------------------------------


class AssessError(SecurableError):
    """Base for errors of ``securable assess``."""


class TargetError(AssessError):
    """A target (firmware image, host, declaration) could not be opened or read (exit 2)."""

    exit_code = 2


class FirmwareImageError(TargetError):
    """A firmware image is unreadable, of an unknown format, or refused as unsafe."""


class DeclarationError(TargetError):
    """A product declaration (``product.yaml``) is malformed; names the field and the fix."""


class VulnDBError(TargetError):
    """An offline vulnerability folder (OSV records) is unreadable."""


class AppPackageError(TargetError):
    """A companion-app package (APK) is not a zip, has no manifest, or exceeds a read cap."""


# --- portal ----------------------------------------------------------------------------------


class PortalError(SecurableError):
    """Base for errors of the manufacturer portal."""
