"""The portal's security.txt names /policy, which is a real page."""

from pathlib import Path

from tests.assess.checks._fixtures import Case
from tests.assess.web.cases import servers, web_case


def build(tmp: Path) -> Case:
    return web_case(servers.portal(), roles=("presence",))
