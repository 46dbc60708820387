"""The incomplete site's provider metadata lacks the required fields and names another URL."""

from pathlib import Path

from tests.assess.checks._fixtures import Case
from tests.assess.web.cases import servers, web_case


def build(tmp: Path) -> Case:
    return web_case(servers.incomplete_site(), roles=("presence",))
