"""The SSH service offers SHA-1 Diffie-Hellman group 1 key exchange."""

from __future__ import annotations

from pathlib import Path

from tests.assess.checks._fixtures import Case
from tests.assess.network.scripted import SSH_BANNER, Banners, Ports, ProbeSet, SshAudit, host


def build(tmp: Path) -> Case:
    report = {
        "kex": [
            {"algorithm": "curve25519-sha256", "notes": {}},
            {"algorithm": "diffie-hellman-group1-sha1", "notes": {"fail": ["using small 1024-bit modulus"]}},
        ],
        "key": [{"algorithm": "ssh-ed25519", "notes": {}}],
    }
    probe = ProbeSet(scanner=Ports({22}), stream=Banners({22: SSH_BANNER}), ssh_audit=SshAudit({22: report}))
    return Case(target=host(probe, [22]))
