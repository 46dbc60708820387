"""The web target: a base URL (the manufacturer's web presence or an HTTP(S) backend) and the
facts about it. See :mod:`securable.assess.targets.web.site`.

For an integrator routing a declared backend component here::

    web = Web.from_url(url, WebLimits(), roles=("backend",), auth_paths=("/v1/devices",))
    targets[TargetKind.WEB] = web  # or, when a web target exists already:
    targets[TargetKind.WEB] = existing.with_sites(web.sites)

Sites with the same base URL are merged (roles and paths combined). ``roles=("presence",)`` is the
manufacturer's public site; ``("presence", "backend")`` both. Close the target after the run.
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
