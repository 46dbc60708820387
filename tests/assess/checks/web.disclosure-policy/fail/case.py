"""The incomplete site's security.txt names a policy page that is not there."""

from pathlib import Path

from tests.assess.checks._fixtures import Case
from tests.assess.web.cases import servers, web_case


def build(tmp: Path) -> Case:
    return web_case(servers.incomplete_site(), roles=("presence",))
