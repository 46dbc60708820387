"""Fixtures of the network-check tests: real peers on 127.0.0.1 (see ``peers.py``)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from securable.assess.check import Check
from securable.assess.model import Finding
from securable.assess.targets.host import LiveHost

from . import peers

# A tiny list for the tests only; the shipped list belongs to the firmware checks' data.
TEST_CREDENTIALS = (("root", "root"), ("user", "user"), ("admin", "admin"), ("admin", ""))
STRONG = ("owner", "k7#Vq9!rT2pLw")


def host_for(*ports: int, declared: list[dict[str, object]] | None = None, **kw: object) -> LiveHost:
    """A LiveHost scoped to exactly the ports the test started (never 2024)."""
    assert peers.FORBIDDEN_PORT not in ports
    kw.setdefault("credentials", TEST_CREDENTIALS)
    return LiveHost(peers.LOOPBACK, list(ports), declared, timeout=2.0, **kw)  # type: ignore[arg-type]


def run(check: type[Check], host: LiveHost) -> list[Finding]:
    return list(check().evaluate(host))


@pytest.fixture(scope="session")
def certdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("certs")


@pytest.fixture(scope="session")
def good_cert(certdir: Path) -> peers.Pem:
    return peers.make_cert(certdir, "good")


@pytest.fixture(scope="session")
def sshd_hardened(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    with peers.sshd(tmp_path_factory.mktemp("sshd-hardened"), peers.HARDENED_SSHD) as port:
        yield port


@pytest.fixture(scope="session")
def sshd_weak(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    with peers.sshd(tmp_path_factory.mktemp("sshd-weak"), peers.WEAK_SSHD) as port:
        yield port


@pytest.fixture(scope="session")
def mqtt_anonymous(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    with peers.mosquitto(tmp_path_factory.mktemp("mq-anon"), anonymous=True) as port:
        yield port


@pytest.fixture(scope="session")
def mqtt_default_password(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    with peers.mosquitto(
        tmp_path_factory.mktemp("mq-admin"), anonymous=False, users={"admin": "admin"}
    ) as port:
        yield port


@pytest.fixture(scope="session")
def mqtts_strong(tmp_path_factory: pytest.TempPathFactory, good_cert: peers.Pem) -> Iterator[int]:
    folder = tmp_path_factory.mktemp("mq-tls")
    with peers.mosquitto(folder, anonymous=False, users=dict([STRONG]), tls=good_cert) as port:
        yield port
