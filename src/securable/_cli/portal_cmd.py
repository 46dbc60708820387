"""``securable portal …``: run the manufacturer portal and administer it."""

from __future__ import annotations

import ipaddress
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from securable.errors import UsageError

if TYPE_CHECKING:
    from securable.portal import PortalSettings

app = typer.Typer(
    help="The manufacturer portal: intake, advisories/VEX, SBOMs, product pages.", no_args_is_help=True
)

DEFAULT_DATA = Path("portal-data")


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _trusted_proxies(values: list[str]) -> tuple[str, ...]:
    out = []
    for value in values:
        try:
            out.append(str(ipaddress.ip_network(value, strict=False)))
        except ValueError:
            raise UsageError(
                f"--trusted-proxy {value!r} is not an address or network",
                diagnostics="give the reverse proxy's IP address, e.g. --trusted-proxy 127.0.0.1",
            ) from None
    return tuple(out)


def _settings(
    data: Path, db: str, public_url: str, read_limit: int = 0, trusted_proxies: tuple[str, ...] = ()
) -> PortalSettings:
    from securable.portal import PortalSettings, RateLimits
    from securable.portal.db import check_url

    if db:
        check_url(db)
    return PortalSettings(
        data_dir=data,
        public_url=public_url,
        database_url=db,
        publisher_name=os.environ.get("SECURABLE_PUBLISHER", "Example Manufacturer"),
        publisher_namespace=os.environ.get("SECURABLE_NAMESPACE", "https://example.invalid"),
        publisher_contact=os.environ.get("SECURABLE_CONTACT", "security@example.invalid"),
        secure_cookies=public_url.startswith("https://"),
        rate_limits=RateLimits(public_read=read_limit) if read_limit else RateLimits(),
        trusted_proxies=trusted_proxies,
    )


@app.command()
def serve(
    db: str = typer.Option("", "--db", help="Database URL; default: SQLite file in --data."),
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on."),
    port: int = typer.Option(8080, "--port", min=1, max=65535),
    data: Path = typer.Option(DEFAULT_DATA, "--data", help="Folder for the SQLite database and state."),
    public_url: str = typer.Option(
        "",
        "--public-url",
        help="Absolute URL the public reaches (links, QR, CSAF); https://… when a TLS proxy is in front.",
    ),
    allow_non_loopback: bool = typer.Option(
        False, "--allow-non-loopback", help="Listen on a non-loopback address (put TLS in front of it)."
    ),
    read_limit: int = typer.Option(
        0, "--read-limit", min=0, help="Public GETs per client per minute (0: the built-in limit, 1200)."
    ),
    tls_cert: Path | None = typer.Option(
        None, "--tls-cert", "--cert", help="PEM certificate (chain) to serve HTTPS."
    ),
    tls_key: Path | None = typer.Option(None, "--tls-key", "--key", help="PEM private key for --tls-cert."),
    trusted_proxy: list[str] = typer.Option(
        [],
        "--trusted-proxy",
        help="Address or network of a reverse proxy whose X-Forwarded-For/-Proto to believe (repeatable).",
    ),
) -> None:
    """Run the portal (migrates the database first).

    The publisher named in advisories and security.txt comes from the environment:
    SECURABLE_PUBLISHER (name), SECURABLE_NAMESPACE (https URL), SECURABLE_CONTACT (security email).
    """
    if not _is_loopback(host) and not allow_non_loopback:
        raise UsageError(
            f"--host {host} is not a loopback address",
            diagnostics="serve on 127.0.0.1 behind a TLS reverse proxy, or pass --allow-non-loopback",
        )
    if (tls_cert is None) != (tls_key is None):
        raise UsageError("--tls-cert and --tls-key go together", diagnostics="give both files, or neither")
    for path in (tls_cert, tls_key):
        if path is not None and not path.is_file():
            raise UsageError(f"TLS file {path} does not exist", diagnostics="give the path of a PEM file")
    proxies = _trusted_proxies(trusted_proxy)
    if public_url and not public_url.startswith(("http://", "https://")):
        raise UsageError(
            f"--public-url {public_url!r} is not an absolute URL",
            diagnostics="give the URL people reach, e.g. https://security.example.com",
        )
    import uvicorn

    from securable.portal import create_app
    from securable.portal.serving import uvicorn_config

    scheme = "https" if tls_cert else "http"
    url = public_url or f"{scheme}://{host if ':' not in host else f'[{host}]'}:{port}"
    application = create_app(_settings(data, db, url, read_limit, proxies))
    typer.echo(f"securable portal on {url} (data in {data})")
    if not url.startswith("https://"):
        typer.echo(
            "note: plain HTTP; pass --tls-cert/--tls-key, or --public-url https://… behind a TLS proxy",
            err=True,
        )
    config = uvicorn_config(application, host=host, port=port, tls_cert=tls_cert, tls_key=tls_key)
    uvicorn.Server(config).run()


@app.command("create-admin")
def create_admin(
    username: str = typer.Argument(..., help="Admin login name."),
    db: str = typer.Option("", "--db"),
    data: Path = typer.Option(DEFAULT_DATA, "--data"),
    password_stdin: bool = typer.Option(
        False, "--password-stdin", help="Read the password from standard input."
    ),
) -> None:
    """Create an admin account (argon2id-hashed password)."""
    from securable.portal import db as portal_db
    from securable.portal import security
    from securable.portal.clock import system_clock

    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    settings = _settings(data, db, "http://127.0.0.1")
    data.mkdir(parents=True, exist_ok=True)
    engine = portal_db.make_engine(settings.db_url)
    portal_db.migrate(engine)
    with portal_db.session_factory(engine)() as session:
        security.create_admin(session, username, password, system_clock())
        session.commit()
    typer.echo(f"admin {username} created")


@app.command("create-reviewer")
def create_reviewer(
    username: str = typer.Argument(..., help="Reviewer login name."),
    product: list[str] = typer.Option(
        ..., "--product", help="Slug of a product the reviewer may review (repeatable)."
    ),
    db: str = typer.Option("", "--db"),
    data: Path = typer.Option(DEFAULT_DATA, "--data"),
    password_stdin: bool = typer.Option(
        False, "--password-stdin", help="Read the password from standard input."
    ),
) -> None:
    """Create a reviewer account that may review the assessments of the given products (only those)."""
    from securable.portal import db as portal_db
    from securable.portal import security, services
    from securable.portal.clock import system_clock

    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    settings = _settings(data, db, "http://127.0.0.1")
    data.mkdir(parents=True, exist_ok=True)
    engine = portal_db.make_engine(settings.db_url)
    portal_db.migrate(engine)
    with portal_db.session_factory(engine)() as session:
        security.create_admin(session, username, password, system_clock(), role="reviewer")
        for slug in product:
            services.grant_review(session, username, slug)
        session.commit()
    typer.echo(f"reviewer {username} created for {', '.join(product)}")


@app.command("create-token")
def create_token(
    username: str = typer.Argument(..., help="Admin who owns the token."),
    label: str = typer.Option("api", "--label"),
    db: str = typer.Option("", "--db"),
    data: Path = typer.Option(DEFAULT_DATA, "--data"),
) -> None:
    """Create a bearer token for the admin API and print it once."""
    from sqlalchemy import select

    from securable.portal import db as portal_db
    from securable.portal import security
    from securable.portal.clock import system_clock
    from securable.portal.models import Admin

    settings = _settings(data, db, "http://127.0.0.1")
    engine = portal_db.make_engine(settings.db_url)
    portal_db.migrate(engine)
    with portal_db.session_factory(engine)() as session:
        admin = session.scalar(select(Admin).where(Admin.username == username))
        if admin is None:
            raise UsageError(
                f"no admin {username!r}", diagnostics="create it with `securable portal create-admin`"
            )
        token = security.create_api_token(session, admin, label, system_clock())
        session.commit()
    typer.echo(token)


@app.command("export-csaf")
def export_csaf(
    out: Path = typer.Option(..., "--out", help="Folder to write the static .well-known/csaf tree into."),
    public_url: str = typer.Option(..., "--public-url", help="Absolute URL the tree will be served under."),
    db: str = typer.Option("", "--db"),
    data: Path = typer.Option(DEFAULT_DATA, "--data"),
) -> None:
    """Write the CSAF provider tree (metadata, index.txt, changes.csv, hashes, ROLIE feed) as static files."""
    from securable.portal import csaf_provider, services
    from securable.portal import db as portal_db
    from securable.portal.clock import rfc3339, system_clock

    settings = _settings(data, db, public_url)
    engine = portal_db.make_engine(settings.db_url)
    portal_db.migrate(engine)
    with portal_db.session_factory(engine)() as session:
        files = csaf_provider.export_tree(
            settings,
            services.published_documents(session),
            out,
            now_text=rfc3339(system_clock()),
            history=services.release_history(session),
        )
    typer.echo(f"wrote {len(files)} files under {out}")
