"""The flawed API serves a security.txt without Expires, over plain http."""

from pathlib import Path

from tests.assess.checks._fixtures import Case
from tests.assess.web.cases import servers, web_case


def build(tmp: Path) -> Case:
    return web_case(servers.flawed_api(), roles=("backend",))
