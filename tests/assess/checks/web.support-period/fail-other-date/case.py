"""The incomplete site's product page says December 2029; the declaration 2031-03."""

from pathlib import Path

from tests.assess.checks._fixtures import Case
from tests.assess.web.cases import declaration, servers, web_case


def build(tmp: Path) -> Case:
    return web_case(
        servers.incomplete_site(),
        roles=("presence",),
        product_page="/products/th-200",
        decl=declaration("2031-03"),
    )
