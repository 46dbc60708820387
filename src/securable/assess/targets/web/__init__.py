"""The web target: a base URL (the manufacturer's web presence or an HTTP(S) backend) and the
facts about it. See :mod:`securable.assess.targets.web.site`.

For an integrator: ``Web.from_url(url, WebLimits(), roles=("backend",))`` is the whole target for
one declared backend component; pass it to the engine as ``{TargetKind.WEB: web}``.
"""

from securable.assess.targets.web.fetch import Fetcher, WebLimits, WebResponse, same_host
from securable.assess.targets.web.security_txt import SecurityTxt, parse_security_txt
from securable.assess.targets.web.site import (
    BACKEND,
    PRESENCE,
    TlsFacts,
    Web,
    WebSite,
    check_base_url,
    json_of,
)

__all__ = [
    "BACKEND",
    "PRESENCE",
    "Fetcher",
    "SecurityTxt",
    "TlsFacts",
    "Web",
    "WebLimits",
    "WebResponse",
    "WebSite",
    "check_base_url",
    "json_of",
    "parse_security_txt",
    "same_host",
]
