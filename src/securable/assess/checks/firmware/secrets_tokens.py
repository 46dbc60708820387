"""``fw.secrets.credentials``: no cloud API keys, tokens or literal passwords in the image's files."""

from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar

from securable.assess.check import FirmwareCheck, Remediation
from securable.assess.facts.firmware import FirmwareView
from securable.assess.model import Finding, Location, Severity, Verdict


class BakedCredentialsCheck(FirmwareCheck):
    """Cloud credentials and literal secrets in files: AWS access keys and secret keys, GitHub, GitLab
    and Slack tokens, Slack webhooks, Google API keys, Stripe live keys, Azure storage keys, and
    ``password=``/``psk=``/``token=`` assignments with a high-entropy literal value in text files.

    A credential in firmware is extracted from one device and then works for the whole fleet and
    for the vendor's cloud account behind it. Secrets are never copied into the report: evidence
    holds the first four characters and the length. Fix: provision per-device credentials at
    manufacturing or first connection, and keep vendor cloud keys off the device.

    A credential in a file a package installed unchanged (content matches the package's recorded
    checksum) is the upstream package's sample or test value and is reported as information.
    """

    id = "fw.secrets.credentials"
    title = "No cloud keys, tokens or passwords baked into files"
    severity = Severity.HIGH
    max_findings: ClassVar[int] = 50
    remediation = Remediation(
        summary="Take the credential out of the image and revoke it; provision per-device "
        "credentials at manufacturing or first connection, and keep vendor cloud keys off the device.",
        example="# instead of aws_access_key_id = AKIA... in /etc/app/cloud.conf:\n"
        "# fetch a per-device token at enrolment, signed by the device key",
        references=("nistir8425:DP-1", "en303645:5.4-3", "en303645:5.1-1", "cra:I.2.e"),
    )

    def run(self, target: FirmwareView) -> Iterable[Finding]:
        hits = []
        packaged = 0
        for hit in (h for h in target.secret_hits if h.kind != "private-key"):
            owner = target.unchanged_package(hit.path)
            if owner is None:
                hits.append(hit)
                continue
            packaged += 1
            if packaged > self.max_findings:
                continue  # counted in the summary below, not listed one by one
            yield self.finding(
                Verdict.PASS,
                f"{hit.kind} in a file installed unchanged by package '{owner.package}': "
                "the upstream package's, not this device's",
                location=Location(path=hit.path, line=hit.line),
                evidence={
                    "kind": hit.kind,
                    "redacted": hit.preview,
                    "package": owner.package,
                    "checksum": f"{owner.algorithm} matches {owner.record}",
                },
            )
        for hit in hits[: self.max_findings]:
            generic = hit.kind == "password-assignment"
            yield self.finding(
                Verdict.FAIL,
                f"literal '{hit.detail}' value in a file"
                if generic
                else f"{hit.kind} baked into the image"
                + (f" (embedded in an {hit.container})" if hit.container else ""),
                location=Location(path=hit.path, line=hit.line),
                severity=Severity.MEDIUM if generic else Severity.HIGH,
                evidence={"kind": hit.kind, "redacted": hit.preview, "container": hit.container or "file"},
            )
        if len(hits) > self.max_findings:
            yield self.finding(
                Verdict.FAIL,
                f"{len(hits) - self.max_findings} more secrets not listed one by one",
                location=Location(path="/"),
                evidence={"total": len(hits)},
            )
        if packaged > self.max_findings:
            yield self.finding(
                Verdict.PASS,
                f"{packaged - self.max_findings} more credentials in unchanged package files not listed",
                location=Location(path="/"),
                evidence={"total_in_packages": packaged},
            )
        if not hits:
            whose = " of the device maker's" if packaged else ""
            yield self.finding(
                Verdict.PASS,
                f"no cloud keys, tokens or literal passwords{whose} found",
                location=Location(path="/"),
            )
