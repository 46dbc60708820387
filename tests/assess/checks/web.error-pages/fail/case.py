"""A deliberately flawed FastAPI backend on loopback."""

from pathlib import Path

from tests.assess.checks._fixtures import Case
from tests.assess.web.cases import servers, web_case


def build(tmp: Path) -> Case:
    return web_case(
        servers.flawed_api(),
        roles=("backend",),
        auth_paths=(servers.FLAWED_OPEN_PATH, servers.FLAWED_LOGIN_PATH),
    )
