"""``junit.xml``: requirement verdicts as JUnit test cases, for CI systems that chart test results.

Layout (Apache Ant JUnit format): one ``testsuite`` for the profile and one per crosswalked
framework; one ``testcase`` per requirement (``classname`` = framework, ``name`` = requirement ID).
``fail`` → ``<failure>``, ``error`` → ``<error>``; ``not_assessed``, ``not_applicable``, ``manual`` and
``inconclusive`` → ``<skipped>`` with the verdict in its message (none of them is a pass). The
message's first line is the verdict's reason; a failure's next lines say how to fix it. Text
that XML 1.0 cannot carry (control characters, undecodable bytes) is escaped first.
"""

from __future__ import annotations

import re
import socket
import xml.etree.ElementTree as ET
from collections.abc import Sequence

from securable.assess.assessment import Assessment, display
from securable.assess.model import Verdict

_XML_BAD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_SKIPPED = {Verdict.NOT_ASSESSED, Verdict.NOT_APPLICABLE, Verdict.MANUAL, Verdict.INCONCLUSIVE}


def _text(value: str) -> str:
    return _XML_BAD.sub(lambda m: f"\\x{ord(m.group()):02x}", display(value))


def _suite(
    parent: ET.Element,
    index: int,
    name: str,
    cases: Sequence[tuple[str, str, Verdict, str]],
    assessment: Assessment,
) -> None:
    failures = sum(1 for c in cases if c[2] is Verdict.FAIL)
    errors = sum(1 for c in cases if c[2] is Verdict.ERROR)
    skipped = sum(1 for c in cases if c[2] in _SKIPPED)
    suite = ET.SubElement(
        parent,
        "testsuite",
        {
            "name": name,
            "package": "securable",
            "id": str(index),
            "timestamp": assessment.started.replace(microsecond=0, tzinfo=None).isoformat(),
            "hostname": _text(socket.gethostname() or "localhost"),
            "tests": str(len(cases)),
            "failures": str(failures),
            "errors": str(errors),
            "skipped": str(skipped),
            "time": f"{assessment.duration:.3f}",
        },
    )
    props = ET.SubElement(suite, "properties")
    ET.SubElement(props, "property", {"name": "profile", "value": assessment.profile})
    ET.SubElement(props, "property", {"name": "securable.version", "value": assessment.tool_version})
    for framework, req_id, verdict, detail in cases:
        case = ET.SubElement(suite, "testcase", {"name": _text(req_id), "classname": framework, "time": "0"})
        message = f"{verdict.value}: {detail}" if detail else verdict.value
        if verdict is Verdict.FAIL:
            ET.SubElement(case, "failure", {"type": "fail", "message": _text(message)}).text = _text(detail)
        elif verdict is Verdict.ERROR:
            ET.SubElement(case, "error", {"type": "error", "message": _text(message)}).text = _text(detail)
        elif verdict in _SKIPPED:
            ET.SubElement(case, "skipped", {"message": _text(message)})
    ET.SubElement(suite, "system-out").text = ""
    ET.SubElement(suite, "system-err").text = ""


def render(assessment: Assessment) -> bytes:
    root = ET.Element("testsuites")
    detail_by_req: dict[str, str] = {}
    for req in assessment.requirements:
        lines = [
            f"[{assessment.findings[i].verdict.value}] {assessment.findings[i].check}: "
            f"{assessment.findings[i].message}"
            for i in req.findings
            if assessment.findings[i].verdict is not Verdict.PASS
        ]
        fixes = [
            f"fix ({check}): {fix.summary}"
            for check in req.checks
            if (fix := assessment.remediation(check)) is not None
            and any(
                assessment.findings[i].check == check and assessment.findings[i].verdict is Verdict.FAIL
                for i in req.findings
            )
        ]
        head = [req.reason] if req.reason else []
        detail_by_req[req.id] = "\n".join([*head, *fixes, *lines])
    cases = [(r.id.split(":", 1)[0], r.id, r.verdict, detail_by_req[r.id]) for r in assessment.requirements]
    _suite(root, 0, f"securable.{assessment.profile}", cases, assessment)
    frameworks = sorted({c.framework for c in assessment.crosswalk})
    for n, framework in enumerate(frameworks, start=1):
        fw_cases = [
            (framework, c.id, c.verdict, "from " + ", ".join(c.sources))
            for c in assessment.crosswalk
            if c.framework == framework
        ]
        _suite(root, n, f"securable.crosswalk.{framework}", fw_cases, assessment)
    ET.indent(root)
    body: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return body + b"\n"
