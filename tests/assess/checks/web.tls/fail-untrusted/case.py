"""The portal over TLS, but without the test CA among the trust anchors: the certificate does not verify."""

from pathlib import Path

from tests.assess.checks._fixtures import Case
from tests.assess.web.cases import servers, web_case

from securable.assess.targets.web import WebLimits


def build(tmp: Path) -> Case:
    return web_case(servers.portal(), roles=("backend",), limits=WebLimits())
