"""Real TLS handshakes on 127.0.0.1 with the device kit's context factories."""

from __future__ import annotations

import socket
import ssl
import tempfile
import threading
import warnings
from pathlib import Path

import pytest

from securable.device.tls import client_context, server_context, unprotected_listeners
from securable.errors import UsageError
from tests.device.kit2_fixtures import HandshakeServer, TestCA, connect

pytestmark = pytest.mark.integration


@pytest.fixture
def pki(tmp_path: Path) -> tuple[TestCA, TestCA]:
    return TestCA(tmp_path / "maker"), TestCA(tmp_path / "other", name="Some Other Root")


def test_pinned_client_and_server_agree_on_tls13(pki: tuple[TestCA, TestCA]) -> None:
    root, _ = pki
    leaf = root.issue("device api")
    server = HandshakeServer(server_context(leaf.cert_pem, leaf.key_path))
    assert connect(client_context(root.pem), server.port) == "TLSv1.3"
    server.join()
    assert server.version == "TLSv1.3" and server.error is None


def test_contexts_are_hardened(pki: tuple[TestCA, TestCA]) -> None:
    root, _ = pki
    leaf = root.issue("device api")
    root_file = root.folder / "root.pem"
    root_file.write_bytes(root.pem)
    for context in (server_context(leaf.cert_path, leaf.key_path), client_context(root_file)):
        assert context.minimum_version is ssl.TLSVersion.TLSv1_2
        assert context.options & ssl.OP_NO_COMPRESSION
    client = client_context(root.pem)
    assert client.verify_mode is ssl.CERT_REQUIRED and client.check_hostname
    # pinned: exactly one trusted root, not the system store
    assert [c["subject"] for c in client.get_ca_certs()] == [((("commonName", root.name),),)]


def test_tls11_client_is_refused(pki: tuple[TestCA, TestCA]) -> None:
    root, _ = pki
    leaf = root.issue("device api")
    server = HandshakeServer(server_context(leaf.cert_pem, leaf.key_path))
    old = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    old.check_hostname = False
    old.verify_mode = ssl.CERT_NONE
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        old.minimum_version = ssl.TLSVersion.TLSv1
        old.maximum_version = ssl.TLSVersion.TLSv1_1
    old.set_ciphers("DEFAULT:@SECLEVEL=0")
    with pytest.raises(OSError):
        connect(old, server.port)
    server.join()
    assert isinstance(server.error, ssl.SSLError)
    assert server.version is None


def test_pinned_client_refuses_a_server_from_another_root(pki: tuple[TestCA, TestCA]) -> None:
    root, other = pki
    impostor = other.issue("impostor")
    server = HandshakeServer(server_context(impostor.cert_pem, impostor.key_path))
    with pytest.raises(ssl.SSLCertVerificationError):
        connect(client_context(root.pem), server.port)
    server.join()


def test_mutual_tls_accepts_the_device_identity(pki: tuple[TestCA, TestCA]) -> None:
    root, _ = pki
    leaf = root.issue("cloud")
    device = root.issue("device 0001", server=False, ips=())
    server = HandshakeServer(
        server_context(leaf.cert_pem, leaf.key_path, client_ca=root.pem, require_client_cert=True)
    )
    client = client_context(root.pem, client_cert=device.cert_pem, client_key=device.key_path)
    assert connect(client, server.port) == "TLSv1.3"
    server.join()
    assert server.error is None and server.peer_cert is not None
    assert server.peer_cert["subject"] == ((("commonName", "device 0001"),),)


@pytest.mark.parametrize("who", ["no certificate", "other root"])
def test_mutual_tls_refuses_clients_without_a_certificate_from_the_root(
    pki: tuple[TestCA, TestCA], who: str
) -> None:
    root, other = pki
    leaf = root.issue("cloud")
    server = HandshakeServer(
        server_context(leaf.cert_pem, leaf.key_path, client_ca=root.pem, require_client_cert=True)
    )
    if who == "other root":
        stranger = other.issue("device 0002", server=False, ips=())
        client = client_context(root.pem, client_cert=stranger.cert_pem, client_key=stranger.key_path)
    else:
        client = client_context(root.pem)
    with pytest.raises(OSError):
        connect(client, server.port)
    server.join()
    assert isinstance(server.error, ssl.SSLError)
    assert server.peer_cert is None


def test_hostname_check_is_on_by_default_and_can_be_turned_off_for_loopback(
    pki: tuple[TestCA, TestCA],
) -> None:
    root, _ = pki
    no_san = root.issue("serial-only", ips=())
    server = HandshakeServer(server_context(no_san.cert_pem, no_san.key_path))
    with pytest.raises(ssl.SSLCertVerificationError, match=r"IP address mismatch|hostname"):
        connect(client_context(root.pem), server.port)
    server.join()
    server = HandshakeServer(server_context(no_san.cert_pem, no_san.key_path))
    assert connect(client_context(root.pem, check_hostname=False), server.port) == "TLSv1.3"
    server.join()


def test_bad_input_is_a_usage_error(pki: tuple[TestCA, TestCA], tmp_path: Path) -> None:
    root, _ = pki
    leaf = root.issue("device api")
    with pytest.raises(UsageError, match="not PEM"):
        client_context(b"garbage")
    with pytest.raises(UsageError, match="go together"):
        client_context(root.pem, client_cert=leaf.cert_pem)
    with pytest.raises(UsageError, match="needs client_ca"):
        server_context(leaf.cert_pem, leaf.key_path, require_client_cert=True)
    with pytest.raises(UsageError, match="cannot load"):
        server_context(leaf.cert_pem, tmp_path / "missing.key")
    with pytest.raises(UsageError) as info:
        server_context(leaf.cert_pem, tmp_path / "missing.key")
    assert info.value.exit_code == 2 and info.value.diagnostics


class _Registry:
    def __init__(self, *ports: int) -> None:
        self.ports = set(ports)

    def is_allowed(self, port: int) -> bool:
        return port in self.ports


def test_unprotected_listeners_finds_plain_and_undeclared_ports(pki: tuple[TestCA, TestCA]) -> None:
    root, _ = pki
    leaf = root.issue("device api")
    context = server_context(leaf.cert_pem, leaf.key_path)
    plain = socket.create_server(("127.0.0.1", 0))
    tls_sock = context.wrap_socket(socket.create_server(("127.0.0.1", 0)), server_side=True)
    with plain, tls_sock:
        plain_port, tls_port = plain.getsockname()[1], tls_sock.getsockname()[1]
        problems = unprotected_listeners([plain, tls_sock], registry=_Registry(tls_port))
        assert [(p.port, p.reasons) for p in problems] == [(plain_port, ("not-tls", "not-allowed"))]
        assert unprotected_listeners([tls_sock], registry=_Registry())[0].reasons == ("not-allowed",)


def test_unprotected_listeners_probes_host_port_pairs(pki: tuple[TestCA, TestCA]) -> None:
    root, _ = pki
    leaf = root.issue("device api")
    tls_server = HandshakeServer(server_context(leaf.cert_pem, leaf.key_path))
    plain = socket.create_server(("127.0.0.1", 0))
    plain_port = plain.getsockname()[1]

    def banner() -> None:
        conn, _ = plain.accept()
        with conn:
            conn.sendall(b"220 legacy telnet-ish banner\r\n")
            conn.recv(1024)

    thread = threading.Thread(target=banner, daemon=True)
    thread.start()
    with plain:
        problems = unprotected_listeners(
            [("127.0.0.1", tls_server.port), ("127.0.0.1", plain_port)], timeout=3
        )
    thread.join(timeout=5)
    tls_server.join()
    assert [(p.port, p.reasons) for p in problems] == [(plain_port, ("not-tls",))]


def test_unprotected_listeners_with_the_real_interface_registry(pki: tuple[TestCA, TestCA]) -> None:
    from securable.device.interfaces import AuthMethod, Interface, InterfaceKind, InterfaceRegistry

    root, _ = pki
    leaf = root.issue("device api")
    context = server_context(leaf.cert_pem, leaf.key_path)
    with (
        context.wrap_socket(socket.create_server(("127.0.0.1", 0)), server_side=True) as api,
        context.wrap_socket(socket.create_server(("127.0.0.1", 0)), server_side=True) as debug,
    ):
        registry = InterfaceRegistry(
            [
                Interface(
                    "https-api",
                    InterfaceKind.NETWORK,
                    AuthMethod.UNIQUE_PASSWORD,
                    "https",
                    api.getsockname()[1],
                ),
                Interface(
                    "debug",
                    InterfaceKind.NETWORK,
                    AuthMethod.KEY,
                    "https",
                    debug.getsockname()[1],
                    enabled_by_default=False,
                ),
            ]
        )
        assert unprotected_listeners([api], registry=registry) == []
        problems = unprotected_listeners([api, debug], registry=registry)
        assert [(p.port, p.reasons) for p in problems] == [(debug.getsockname()[1], ("not-allowed",))]


def test_mutual_tls_with_the_device_identity_from_the_keystore(
    pki: tuple[TestCA, TestCA], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from securable.device.identity import IDEVID_KEY, DeviceIdentity
    from securable.device.keystore import FileKeystore
    from securable.device.tls import identity_client_context, identity_server_context

    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))  # where the key file briefly lives
    root, other = pki
    device_cert = root.issue("device 0003", server=False, ips=())
    keystore = FileKeystore(tmp_path / "device-keys")
    keystore.import_private_key(IDEVID_KEY, device_cert.key)
    identity = DeviceIdentity(tmp_path / "identity", keystore, [device_cert.cert, root.cert])
    cloud = root.issue("cloud")
    server = HandshakeServer(
        server_context(cloud.cert_pem, cloud.key_path, client_ca=root.pem, require_client_cert=True)
    )
    assert connect(identity_client_context(identity, root.pem), server.port) == "TLSv1.3"
    server.join()
    assert server.peer_cert is not None
    assert server.peer_cert["subject"] == ((("commonName", "device 0003"),),)
    # pinned: the same device refuses a cloud endpoint certified by another root
    impostor = other.issue("cloud")
    server = HandshakeServer(server_context(impostor.cert_pem, impostor.key_path))
    with pytest.raises(ssl.SSLCertVerificationError):
        connect(identity_client_context(identity, root.pem), server.port)
    server.join()
    # no key material is left behind in temporary files
    assert list(scratch.iterdir()) == []
    with pytest.raises(UsageError, match="no LDevID"):
        identity_server_context(identity, use_ldevid=True)
