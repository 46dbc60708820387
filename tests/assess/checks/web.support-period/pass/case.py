"""The portal's product page says June 2031; the declaration says 2031-06."""

from pathlib import Path

from tests.assess.checks._fixtures import Case
from tests.assess.web.cases import declaration, servers, web_case


def build(tmp: Path) -> Case:
    page = servers.PORTAL_PRODUCT_PAGE
    return web_case(
        servers.portal(), roles=("presence",), product_page=page, decl=declaration(servers.PORTAL_SUPPORT_END)
    )
