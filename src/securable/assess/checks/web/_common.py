"""The typed base of the web checks: one site of the right role at a time."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import ClassVar

from securable.assess.check import Check, NotApplicable
from securable.assess.model import Finding, TargetKind, Verdict
from securable.assess.targets.web import BACKEND, PRESENCE, Web, WebResponse, WebSite

__all__ = ["BACKEND", "PRESENCE", "WebCheck", "why_not"]


def why_not(resp: WebResponse) -> str:
    """Why ``resp`` is not a usable answer, in a few words."""
    if resp.offsite:
        return f"redirected to another host ({resp.offsite}); not followed"
    if resp.error:
        return resp.error
    if resp.truncated:
        return f"larger than the {len(resp.body)}-byte limit"
    return f"HTTP {resp.status}"


class WebCheck(Check[Web]):
    """A check of each site of the web target that has :attr:`roles` (any of them)."""

    target = TargetKind.WEB
    roles: ClassVar[frozenset[str]] = frozenset({BACKEND})

    def sites(self, target: Web) -> tuple[WebSite, ...]:
        return tuple(s for s in target.sites if s.roles & self.roles)

    def applies(self, target: Web) -> NotApplicable | None:
        if self.sites(target):
            return None
        wanted = " or ".join(
            sorted("web presence" if r == PRESENCE else "HTTP(S) backend" for r in self.roles)
        )
        return NotApplicable(f"no {wanted} was given (declaration web: section, --web or --backend)")

    def run(self, target: Web) -> Iterable[Finding]:
        for site in self.sites(target):
            home = site.home
            if home.status == 0 and home.offsite is None:
                yield self.finding(
                    Verdict.INCONCLUSIVE,
                    f"{site.url} could not be reached: {why_not(home)}",
                    location=site.location(),
                    evidence={"url": site.url, "error": home.error},
                )
                continue
            yield from self.check_site(site)

    def check_site(self, site: WebSite) -> Iterator[Finding]:
        raise NotImplementedError
