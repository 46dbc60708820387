"""The SSH service declared key-only offers public-key authentication only."""

from __future__ import annotations

from pathlib import Path

from tests.assess.checks._fixtures import Case
from tests.assess.network.scripted import SSH_BANNER, Banners, Ports, ProbeSet, SshAuth, host

from securable.assess.targets.host import SshAuthMethods


def build(tmp: Path) -> Case:
    declared = [{"name": "maintenance", "protocol": "ssh", "port": 22, "auth": "key"}]
    auth = SshAuth({22: SshAuthMethods(none_accepted=False, methods=("publickey",))})
    probe = ProbeSet(scanner=Ports({22}), stream=Banners({22: SSH_BANNER}), ssh_auth=auth)
    return Case(target=host(probe, [22], declared))
