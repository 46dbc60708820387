"""net.ssh.* and SSH logins against a real OpenSSH sshd and a real paramiko SSH server."""

from __future__ import annotations

import pytest

from securable.assess.checks.network import DefaultCredentialsCheck, SshAlgorithmsCheck, SshAuthMethodsCheck
from securable.assess.model import Severity, Verdict

from . import peers
from .conftest import host_for, run

pytestmark = pytest.mark.integration


def test_hardened_sshd_passes_algorithms_and_auth(sshd_hardened: int) -> None:
    declared = [{"name": "ssh", "protocol": "ssh", "port": sshd_hardened, "auth": "certificate"}]
    host = host_for(sshd_hardened, declared=declared)
    algos = run(SshAlgorithmsCheck, host)
    auth = run(SshAuthMethodsCheck, host)
    assert [f.verdict for f in algos] == [Verdict.PASS], algos[0].evidence
    assert algos[0].evidence["banner"]["software"].startswith("OpenSSH")
    assert [f.verdict for f in auth] == [Verdict.PASS]
    assert auth[0].evidence["methods"] == ["publickey"]


def test_weak_sshd_fails_algorithms_and_declared_key_only_auth(sshd_weak: int) -> None:
    declared = [{"name": "ssh", "protocol": "ssh", "port": sshd_weak, "auth": "certificate"}]
    host = host_for(sshd_weak, declared=declared)
    algos = run(SshAlgorithmsCheck, host)
    auth = run(SshAuthMethodsCheck, host)
    assert algos[0].verdict is Verdict.FAIL
    failed = {n for names in algos[0].evidence["failed"].values() for n in names}
    assert {"diffie-hellman-group1-sha1", "3des-cbc", "hmac-md5"} <= failed
    assert algos[0].location is not None and algos[0].location.service == "ssh"
    assert auth[0].verdict is Verdict.FAIL
    assert "password" in auth[0].evidence["methods"]


def test_sshd_refuses_default_passwords(sshd_weak: int, sshd_hardened: int) -> None:
    findings = run(DefaultCredentialsCheck, host_for(sshd_weak, sshd_hardened))
    by_port = {f.location.port: f for f in findings if f.location}
    assert by_port[sshd_weak].verdict is Verdict.PASS
    assert by_port[sshd_weak].evidence["attempts"] == 4
    assert by_port[sshd_hardened].verdict is Verdict.NOT_APPLICABLE  # publickey only: nothing to guess


def test_ssh_server_accepting_default_password_fails() -> None:
    with peers.paramiko_ssh_server(accept=("admin", "admin")) as port:
        findings = run(DefaultCredentialsCheck, host_for(port))
    assert findings[0].verdict is Verdict.FAIL
    assert findings[0].evidence["username"] == "admin"
    assert findings[0].severity is Severity.CRITICAL
    assert findings[0].location is not None and findings[0].location.service == "ssh"


def test_ssh_server_without_authentication_fails() -> None:
    with peers.paramiko_ssh_server(allow_none=True) as port:
        findings = run(SshAuthMethodsCheck, host_for(port))
    assert findings[0].verdict is Verdict.FAIL
    assert "without any authentication" in findings[0].message


def test_attempt_budget_caps_logins() -> None:
    with peers.paramiko_ssh_server(accept=("admin", "")) as port:
        capped = run(DefaultCredentialsCheck, host_for(port, attempt_budget=2))
        full = run(DefaultCredentialsCheck, host_for(port, attempt_budget=10))
    assert capped[0].verdict is Verdict.PASS and capped[0].evidence["attempts"] == 2
    assert full[0].verdict is Verdict.FAIL and full[0].evidence["blank"] is True
