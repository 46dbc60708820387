"""The project's own portal, served over TLS by uvicorn on loopback."""

from pathlib import Path

from tests.assess.checks._fixtures import Case
from tests.assess.web.cases import servers, web_case


def build(tmp: Path) -> Case:
    return web_case(servers.portal(), roles=("backend",), auth_paths=servers.PORTAL_PRIVATE_PATHS)
