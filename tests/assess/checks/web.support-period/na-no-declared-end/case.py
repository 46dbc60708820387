"""Nothing to compare with: the declaration gives no support end."""

from pathlib import Path

from tests.assess.checks._fixtures import Case
from tests.assess.web.cases import declaration, servers, web_case


def build(tmp: Path) -> Case:
    return web_case(servers.portal(), roles=("presence",), product_page="/products/cam", decl=declaration())
