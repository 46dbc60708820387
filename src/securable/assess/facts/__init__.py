"""Facts about a target that several checks need, each computed once per target and shared.

A fact is a named, typed, cached attribute of a target *view* (:class:`FirmwareView` for an
image). Checks ask the view rather than re-reading the image, so they agree with each other
and a fact is computed once however many checks use it.
"""

from securable.assess.facts.accounts import Account
from securable.assess.facts.boot import BootEntry
from securable.assess.facts.firmware import FirmwareView
from securable.assess.facts.package_files import PackagedFile
from securable.assess.facts.secrets import SecretHit
from securable.assess.facts.ssh import Dropbear, OpenSsh, SshServer

__all__ = [
    "Account",
    "BootEntry",
    "Dropbear",
    "FirmwareView",
    "OpenSsh",
    "PackagedFile",
    "SecretHit",
    "SshServer",
]
