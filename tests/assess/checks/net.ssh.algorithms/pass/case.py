"""ssh-audit fails no algorithm of the SSH service (a warning is only evidence)."""

from __future__ import annotations

from pathlib import Path

from tests.assess.checks._fixtures import Case
from tests.assess.network.scripted import SSH_BANNER, Banners, Ports, ProbeSet, SshAudit, host


def build(tmp: Path) -> Case:
    report = {
        "banner": {"raw": SSH_BANNER.decode().strip()},
        "kex": [{"algorithm": "curve25519-sha256", "notes": {}}],
        "key": [{"algorithm": "ssh-ed25519", "notes": {}}],
        "enc": [{"algorithm": "chacha20-poly1305@openssh.com", "notes": {}}],
        "mac": [{"algorithm": "umac-64-etm@openssh.com", "notes": {"warn": ["using small 64-bit tag size"]}}],
    }
    probe = ProbeSet(scanner=Ports({22}), stream=Banners({22: SSH_BANNER}), ssh_audit=SshAudit({22: report}))
    return Case(target=host(probe, [22]))
