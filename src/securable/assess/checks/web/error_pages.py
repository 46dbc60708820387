"""``web.error-pages``: error pages leak no stack traces or debugger output."""

from __future__ import annotations

import re
from collections.abc import Iterator

from securable.assess.check import Remediation
from securable.assess.checks.web._common import WebCheck
from securable.assess.model import Finding, Severity, Verdict
from securable.assess.targets.web import WebSite

# What a framework's debug output looks like; each names its source for the message.
LEAKS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("Python traceback", re.compile(r"Traceback \(most recent call last\)")),
    ("Python stack frame", re.compile(r"File &quot;[^&]+&quot;, line \d+|File \"[^\"]+\", line \d+")),
    ("Werkzeug/Flask debugger", re.compile(r"Werkzeug Debugger|The debugger caught an exception")),
    ("Django debug page", re.compile(r"You're seeing this error because you have <code>DEBUG = True")),
    ("Java stack trace", re.compile(r"(?m)^\s*at [\w$.]+\([\w$]+\.java:\d+\)|Exception in thread \"")),
    ("Node.js stack trace", re.compile(r"(?m)^\s*at [\w$.<> ]+ \(/[^)]+\.js:\d+:\d+\)")),
    ("PHP error", re.compile(r"<b>(Fatal error|Warning|Parse error)</b>:.* on line <b>\d+</b>")),
    ("ASP.NET error page", re.compile(r"Server Error in '/' Application|Stack Trace:</b>")),
    ("Ruby backtrace", re.compile(r"(?m)^\s*/[^:\s]+\.rb:\d+:in `")),
    ("Go panic", re.compile(r"goroutine \d+ \[running\]")),
)


class ErrorPagesCheck(WebCheck):
    """The backend's answers to a path that does not exist and to malformed requests (broken JSON,
    a quote, a NUL byte and an overflowing number in parameters, on the declared API paths) show
    no stack trace, debugger page or source location — Python, Java, Node.js, PHP, Ruby, Go,
    ASP.NET, Django and Werkzeug forms are recognised.

    Debug output hands an attacker the framework, the file layout and sometimes the code and
    configuration; a production backend answers errors with a short generic page. Fix a failure
    by turning off the framework's debug mode and handling exceptions with a generic error page.
    """

    id = "web.error-pages"
    title = "Error pages leak no stack traces"
    severity = Severity.MEDIUM
    remediation = Remediation(
        summary="Run the backend with debug output off and answer unhandled errors with a generic "
        "500 page; log the details server-side instead.",
        example="# FastAPI/Starlette\napp = FastAPI(debug=False)\n# Flask\napp.run(debug=False)",
        references=("nistir8425:IAC-1a", "cra:I.2.j"),
    )

    def check_site(self, site: WebSite) -> Iterator[Finding]:
        answers = [site.not_found, *site.malformed]
        answered = [r for r in answers if r.status]
        leaks: list[dict[str, object]] = []
        for resp in answered:
            for name, pattern in LEAKS:
                match = pattern.search(resp.text)
                if match:
                    start = max(0, match.start() - 40)
                    leaks.append(
                        {
                            "path": resp.path,
                            "status": resp.status,
                            "kind": name,
                            "excerpt": resp.text[start : start + 200],
                        }
                    )
                    break
        evidence = {
            "answers": [{"path": r.path, "status": r.status} for r in answered],
            "leaks": leaks,
        }
        if leaks:
            first = leaks[0]
            yield self.finding(
                Verdict.FAIL,
                f"{site.url}{first['path']} (HTTP {first['status']}) shows a {first['kind']}"
                + (f"; {len(leaks) - 1} more answer(s) leak too" if len(leaks) > 1 else ""),
                location=site.location(str(first["path"])),
                evidence=evidence,
            )
        elif not answered:
            yield self.finding(
                Verdict.INCONCLUSIVE, f"{site.url}: no answer to the error probes", location=site.location()
            )
        else:
            yield self.finding(
                Verdict.PASS,
                f"{site.url}: {len(answered)} error answers show no stack trace or debug output",
                location=site.location(),
                evidence=evidence,
            )
