"""``web.cors``: the backend does not let any web origin read responses with the user's credentials."""

from __future__ import annotations

from collections.abc import Iterator

from securable.assess.check import Remediation
from securable.assess.checks.web._common import WebCheck
from securable.assess.model import Finding, Severity, Verdict
from securable.assess.targets.web import WebResponse, WebSite

PROBE_ORIGIN = "https://securable-cors-probe.invalid"


def cors_problem(resp: WebResponse, origin: str) -> str | None:
    """Why ``resp`` to a request from ``origin`` lets that origin read it with credentials."""
    allow = resp.header("access-control-allow-origin").strip()
    credentials = resp.header("access-control-allow-credentials").strip().lower() == "true"
    if not credentials or not allow:
        return None
    if allow == "*":
        return "Access-Control-Allow-Origin: * together with Access-Control-Allow-Credentials: true"
    if allow == origin:
        return f"reflects the request's Origin ({origin}) with Access-Control-Allow-Credentials: true"
    return None


class CorsCheck(WebCheck):
    """Requests to the backend (its base URL and the declared private paths, plain and as a
    CORS preflight) from an unrelated origin, and from the ``null`` origin, are not answered with
    ``Access-Control-Allow-Credentials: true`` together with a wildcard or the reflected origin.

    That combination lets any web page a logged-in customer visits read the API's answers with
    the customer's cookies or tokens: the same-origin protection is switched off. Fix a failure
    by allowing only the app's own origins, from a fixed list.
    """

    id = "web.cors"
    title = "CORS does not allow any origin with credentials"
    severity = Severity.HIGH
    remediation = Remediation(
        summary="Allow credentials only for a fixed list of your own origins; never reflect the "
        "request's Origin or combine * with credentials.",
        example="# FastAPI\napp.add_middleware(CORSMiddleware, allow_origins=['https://app.example.com'], "
        "allow_credentials=True)",
        references=("nistir8425:IAC-1b", "cra:I.2.d"),
    )

    def check_site(self, site: WebSite) -> Iterator[Finding]:
        paths = list(dict.fromkeys(["/", *site.auth_paths[:3]]))
        problems: list[str] = []
        answered = 0
        for path in paths:
            for origin in (PROBE_ORIGIN, "null"):
                plain = site.get(path, headers={"Origin": origin}, follow=False)
                preflight = site.get(
                    path,
                    method="OPTIONS",
                    headers={"Origin": origin, "Access-Control-Request-Method": "GET"},
                    follow=False,
                )
                for kind, resp in (("GET", plain), ("preflight", preflight)):
                    if resp.status == 0:
                        continue
                    answered += 1
                    problem = cors_problem(resp, origin)
                    if problem:
                        problems.append(f"{kind} {path} from {origin}: {problem}")
        evidence = {
            "paths": paths,
            "origins": [PROBE_ORIGIN, "null"],
            "answers": answered,
            "problems": problems,
        }
        if problems:
            yield self.finding(
                Verdict.FAIL,
                f"{site.url}: {problems[0]}" + (f" (+{len(problems) - 1} more)" if len(problems) > 1 else ""),
                location=site.location(),
                evidence=evidence,
            )
        elif answered == 0:
            yield self.finding(
                Verdict.INCONCLUSIVE, f"{site.url}: no answer to the CORS probes", location=site.location()
            )
        else:
            yield self.finding(
                Verdict.PASS,
                f"{site.url}: no credentialed access for foreign origins ({answered} answers)",
                location=site.location(),
                evidence=evidence,
            )
