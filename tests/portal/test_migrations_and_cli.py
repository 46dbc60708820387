"""Schema comes only from Alembic migrations and matches the models; the CLI refuses unsafe input."""

from __future__ import annotations

import ipaddress
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import select
from typer.testing import CliRunner

from securable._cli import app as cli
from securable._cli.portal_cmd import _is_loopback
from securable.errors import UsageError
from securable.portal import db as portal_db
from securable.portal.models import Base

from .conftest import free_port


def test_migrations_match_the_models(db_url: str) -> None:
    engine = portal_db.make_engine(db_url)
    portal_db.migrate(engine)
    portal_db.migrate(engine)  # idempotent
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    engine.dispose()
    assert diff == []


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("mysql://x@localhost/db", "not supported"),
        ("postgresql+psycopg2://x@localhost/db", "driver .psycopg2. is not installed"),
        ("not a url", "not a URL"),
    ],
)
def test_bad_database_urls_are_refused(url: str, message: str) -> None:
    with pytest.raises(UsageError, match=message):
        portal_db.check_url(url)


def test_loopback_detection() -> None:
    assert _is_loopback("127.0.0.1") and _is_loopback("::1") and _is_loopback("localhost")
    assert (
        not _is_loopback("0.0.0.0") and not _is_loopback("192.168.1.10") and not _is_loopback("example.com")
    )


def test_serve_refuses_non_loopback_host(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["portal", "serve", "--host", "0.0.0.0", "--data", str(tmp_path)])
    assert result.exit_code != 0
    assert isinstance(result.exception, UsageError) and result.exception.exit_code == 2
    assert "--allow-non-loopback" in str(result.exception)


def test_serve_checks_tls_files(tmp_path: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(
        cli, ["portal", "serve", "--data", str(tmp_path), "--tls-cert", str(tmp_path / "c.pem")]
    )
    assert isinstance(result.exception, UsageError) and "go together" in str(result.exception)
    result = runner.invoke(
        cli,
        [
            "portal",
            "serve",
            "--data",
            str(tmp_path),
            "--tls-cert",
            str(tmp_path / "c.pem"),
            "--tls-key",
            str(tmp_path / "k.pem"),
        ],
    )
    assert isinstance(result.exception, UsageError) and "does not exist" in str(result.exception)


def test_create_admin_token_and_export(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    runner = CliRunner()
    data = tmp_path / "data"
    result = runner.invoke(
        cli,
        ["portal", "create-admin", "alice", "--data", str(data), "--password-stdin"],
        input="a long enough passphrase\n",
    )
    assert result.exit_code == 0, result.output
    result = runner.invoke(
        cli, ["portal", "create-admin", "bob", "--data", str(data), "--password-stdin"], input="short\n"
    )
    assert isinstance(result.exception, UsageError) and "too short" in str(result.exception)
    result = runner.invoke(cli, ["portal", "create-token", "alice", "--data", str(data)])
    assert result.exit_code == 0 and result.output.startswith("sec_")
    result = runner.invoke(cli, ["portal", "create-token", "nobody", "--data", str(data)])
    assert isinstance(result.exception, UsageError)
    out = tmp_path / "site"
    result = runner.invoke(
        cli,
        [
            "portal",
            "export-csaf",
            "--data",
            str(data),
            "--out",
            str(out),
            "--public-url",
            "https://acme.example",
        ],
    )
    assert result.exit_code == 0, result.output
    metadata = (out / ".well-known" / "csaf" / "provider-metadata.json").read_text()
    assert '"canonical_url": "https://acme.example/.well-known/csaf/provider-metadata.json"' in metadata
    assert (out / ".well-known" / "csaf" / "white" / "index.txt").read_text() == ""


def _serve(
    data: Path, port: int, extra: list[str] | None = None, *, scheme: str = "http", ca: Path | None = None
) -> subprocess.Popen[bytes]:
    import ssl

    exe = Path(sys.executable).parent / "securable"
    verify: ssl.SSLContext | bool = ssl.create_default_context(cafile=str(ca)) if ca else True
    proc = subprocess.Popen(
        [str(exe), "portal", "serve", "--port", str(port), "--data", str(data), *(extra or [])],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            err = proc.stderr.read().decode() if proc.stderr else ""
            _stop(proc)
            raise AssertionError(f"securable portal serve exited: {err[-2000:]}")
        try:
            httpx.get(f"{scheme}://127.0.0.1:{port}/", timeout=1, verify=verify)
            return proc
        except httpx.HTTPError:
            time.sleep(0.1)
    _stop(proc)
    raise AssertionError("securable portal serve did not come up")


def _stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    if proc.stderr:
        proc.stderr.close()


@pytest.mark.integration
def test_serve_restart_loses_nothing(tmp_path: Path) -> None:
    """`securable portal serve` as users start it: a report filed before a restart is still there after."""
    data = tmp_path / "data"
    port = free_port()
    proc = _serve(data, port)
    try:
        r = httpx.post(
            f"http://127.0.0.1:{port}/api/v1/reports",
            json={"title": "Open telnet", "description": "Telnet answers on port 23 without a password."},
        )
        assert r.status_code == 201
        receipt = r.json()["receipt"]
        assert r.json()["status_url"] == f"http://127.0.0.1:{port}/status/{receipt}"
        assert "Expires:" in httpx.get(f"http://127.0.0.1:{port}/.well-known/security.txt").text
    finally:
        _stop(proc)
    proc = _serve(data, port)
    try:
        r = httpx.get(f"http://127.0.0.1:{port}/api/v1/reports/{receipt}")
        assert r.status_code == 200 and r.json()["status"] == "received"
        assert "server" not in r.headers  # no server banner
    finally:
        _stop(proc)


def _self_signed(tmp: Path) -> tuple[Path, Path]:
    import datetime as dt

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False
        )
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = tmp / "cert.pem", tmp / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return cert_path, key_path


@pytest.mark.integration
def test_serve_over_tls_sends_hsts_and_secure_cookies(tmp_path: Path) -> None:
    import ssl

    cert, key = _self_signed(tmp_path)
    port = free_port()
    proc = _serve(
        tmp_path / "data", port, ["--tls-cert", str(cert), "--tls-key", str(key)], scheme="https", ca=cert
    )
    try:
        ctx = ssl.create_default_context(cafile=str(cert))
        r = httpx.get(f"https://127.0.0.1:{port}/report", verify=ctx)
        assert r.status_code == 200
        assert r.headers["strict-transport-security"].startswith("max-age=")
        assert (
            "secure" in r.headers["set-cookie"].lower()
            and "samesite=strict" in r.headers["set-cookie"].lower()
        )
        assert (
            f"Contact: https://127.0.0.1:{port}/report"
            in httpx.get(f"https://127.0.0.1:{port}/.well-known/security.txt", verify=ctx).text
        )
    finally:
        _stop(proc)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--trusted-proxy", "proxy.example"], "not an address or network"),
        (["--public-url", "portal.example"], "not an absolute URL"),
    ],
)
def test_serve_refuses_bad_proxy_and_public_url(tmp_path: Path, args: list[str], message: str) -> None:
    result = CliRunner().invoke(cli, ["portal", "serve", "--data", str(tmp_path), *args])
    assert isinstance(result.exception, UsageError) and result.exception.exit_code == 2
    assert message in str(result.exception)


def test_create_reviewer_for_named_products_only(tmp_path: Path) -> None:
    from securable.portal import db as portal_db
    from securable.portal import services
    from securable.portal.models import Admin, ReviewerScope
    from securable.portal.schemas import ProductIn

    from .conftest import PRODUCT, START

    data = tmp_path / "data"
    data.mkdir()
    engine = portal_db.make_engine(f"sqlite:///{data / 'portal.sqlite3'}")
    portal_db.migrate(engine)
    with portal_db.session_factory(engine)() as db:
        services.create_product(db, ProductIn.model_validate(PRODUCT), START)
        db.commit()
    runner = CliRunner()
    args = ["portal", "create-reviewer", "rita", "--product", "cam", "--data", str(data), "--password-stdin"]
    result = runner.invoke(cli, args, input="a long enough passphrase\n")
    assert result.exit_code == 0, result.output
    assert "reviewer rita created for cam" in result.output
    with portal_db.session_factory(engine)() as db:
        rita = db.scalar(select(Admin).where(Admin.username == "rita"))
        assert rita is not None and rita.role == "reviewer" and not rita.is_admin
        assert db.scalar(select(ReviewerScope.product_id).where(ReviewerScope.admin_id == rita.id))
    args = ["portal", "create-reviewer", "otto", "--product", "nope", "--data", str(data), "--password-stdin"]
    result = runner.invoke(cli, args, input="a long enough passphrase\n")
    assert isinstance(result.exception, services.NotFoundError) and "nope" in str(result.exception)
    engine.dispose()
