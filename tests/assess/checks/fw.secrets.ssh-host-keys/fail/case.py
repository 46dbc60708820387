"""An OpenSSH host key generated at test time and shipped in /etc/ssh (git holds no key)."""

from pathlib import Path

from tests.assess.firmware.fixture_builders import Case, RootFS, ec_private_key_pem, image_case


def build(tmp: Path) -> Case:
    fs = RootFS(tmp / "rootfs")
    fs.write("/etc/ssh/sshd_config", "PermitRootLogin prohibit-password\n")
    fs.write("/etc/ssh/ssh_host_ecdsa_key", ec_private_key_pem(), mode=0o600)
    fs.write("/etc/ssh/ssh_host_ecdsa_key.pub", "ecdsa-sha2-nistp256 AAAAE2VjZHNh host\n")
    return image_case(fs.root)
