"""``fw.update.signature-verification``: package managers and updaters verify what they install."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator

from securable.assess.check import FirmwareCheck, Remediation
from securable.assess.facts.firmware import FirmwareView
from securable.assess.facts.image_io import children, config_lines
from securable.assess.model import Finding, Location, Severity, Verdict

_APT_TRUSTED = re.compile(
    r"\[[^\]]{0,200}\b(trusted\s*=\s*yes|allow-insecure\s*=\s*yes|allow-weak\s*=\s*yes)"
)
_APT_CONF = re.compile(
    r"(AllowUnauthenticated|AllowInsecureRepositories|AllowDowngradeToInsecureRepositories|AllowWeakRepositories)"
    r"[\"']?\s*(?:\"|')?\s*(true|yes|1)\b",
    re.IGNORECASE,
)
_OFF = {"0", "false", "no", "off"}


class UpdateIntegrityCheck(FirmwareCheck):
    """Update and package-manager configuration that turns signature or TLS verification off.

    Looked at: apt sources (``[trusted=yes]``, ``allow-insecure``) and ``apt.conf``
    (``AllowUnauthenticated``, ``AllowInsecureRepositories``); opkg (``option check_signature``
    missing or ``0``); pip (``trusted-host``); SWUpdate started without a public key (``-k``); RAUC
    ``system.conf`` without a ``[keyring]``; Mender without ``ArtifactVerifyKey`` or with
    ``SkipVerify``. A TUF trust root (``root.json``) counts as a verifying updater. Any one updater
    that installs unverified code lets a network attacker or a mirror push firmware to the fleet.
    Fix: enable signature checks and ship the vendor's public key or trust root in the image.
    """

    id = "fw.update.signature-verification"
    title = "Software updates are verified before installation"
    severity = Severity.HIGH
    remediation = Remediation(
        summary="Turn signature verification on for every updater and package manager in the image "
        "and ship the vendor's public key or trust root with it; fetch updates over verified TLS.",
        example="# /etc/opkg.conf\noption check_signature 1\n"
        "# apt: deb [signed-by=/usr/share/keyrings/vendor.gpg] https://repo.example/ stable main\n"
        "# RAUC /etc/rauc/system.conf: [keyring] path=/etc/rauc/ca.cert.pem",
        references=("nistir8425:SU-1", "en303645:5.3-9", "en303645:5.3-10", "cra:I.2.c"),
    )

    def run(self, target: FirmwareView) -> Iterable[Finding]:
        image = target
        found: list[str] = []
        failures = (
            list(self._apt(image, found)) + list(self._opkg(image, found)) + list(self._pip(image, found))
        )
        failures += (
            list(self._swupdate(image, found))
            + list(self._rauc(image, found))
            + list(self._mender(image, found))
        )
        self._tuf(image, found)
        yield from failures
        if not found:
            yield self.finding(
                Verdict.INCONCLUSIVE,
                "no known update mechanism (apt, opkg, pip, SWUpdate, RAUC, Mender, TUF) found; "
                "the declaration must say how updates are delivered and verified",
                location=Location(path="/etc"),
            )
        elif not failures:
            yield self.finding(
                Verdict.PASS,
                f"update mechanisms verify signatures: {', '.join(sorted(set(found)))}",
                location=Location(path="/etc"),
                evidence={"mechanisms": sorted(set(found))},
            )

    def _fail(self, path: str, line: int | None, message: str, mechanism: str) -> Finding:
        return self.finding(
            Verdict.FAIL, message, location=Location(path=path, line=line), evidence={"mechanism": mechanism}
        )

    def _apt(self, image: FirmwareView, found: list[str]) -> Iterator[Finding]:
        sources = ["/etc/apt/sources.list"] + [e.path for e in children(image, "/etc/apt/sources.list.d")]
        confs = ["/etc/apt/apt.conf"] + [e.path for e in children(image, "/etc/apt/apt.conf.d")]
        if image.exists("/etc/apt") or image.exists("/usr/bin/apt-get"):
            found.append("apt")
        for path in sources:
            for number, line in config_lines(image, path):
                match = _APT_TRUSTED.search(line)
                if match or re.search(r"^(Trusted|Allow-Insecure):\s*yes", line, re.IGNORECASE):
                    yield self._fail(
                        path,
                        number,
                        f"apt source skips signature checks ({match.group(1) if match else line})",
                        "apt",
                    )
        for path in confs:
            for number, line in config_lines(image, path, comment="//"):
                match = _APT_CONF.search(line)
                if match:
                    yield self._fail(path, number, f"apt configured with {match.group(1)} on", "apt")

    def _opkg(self, image: FirmwareView, found: list[str]) -> Iterator[Finding]:
        confs = [p for p in ("/etc/opkg.conf", "/etc/opkg/opkg.conf") if image.exists(p)]
        confs += [
            e.path for e in children(image, "/etc/opkg") if e.path.endswith(".conf") and e.path not in confs
        ]
        if not confs:
            return
        found.append("opkg")
        enabled = None
        for path in confs:
            for number, line in config_lines(image, path):
                words = line.split()
                if len(words) >= 2 and words[0] == "option" and words[1] == "check_signature":
                    off = len(words) > 2 and words[2].strip("'\"").lower() in _OFF
                    enabled = (path, number, not off)
        if enabled is None:
            yield self._fail(
                confs[0],
                None,
                "opkg has no 'option check_signature': packages are installed unverified",
                "opkg",
            )
        elif not enabled[2]:
            yield self._fail(enabled[0], enabled[1], "opkg signature checking is switched off", "opkg")

    def _pip(self, image: FirmwareView, found: list[str]) -> Iterator[Finding]:
        for path in (
            "/etc/pip.conf",
            "/etc/xdg/pip/pip.conf",
            "/root/.pip/pip.conf",
            "/root/.config/pip/pip.conf",
        ):
            for number, line in config_lines(image, path):
                if "pip" not in found:
                    found.append("pip")
                if re.match(r"trusted[-_]host\s*=", line):
                    yield self._fail(
                        path, number, "pip trusts a host without TLS verification (trusted-host)", "pip"
                    )

    def _swupdate(self, image: FirmwareView, found: list[str]) -> Iterator[Finding]:
        if not any(image.exists(p) for p in ("/usr/bin/swupdate", "/usr/sbin/swupdate", "/etc/swupdate.cfg")):
            return
        found.append("swupdate")
        texts = [line for _, line in config_lines(image, "/etc/swupdate.cfg")]
        for entry in children(image, "/etc/swupdate/conf.d"):
            texts += [line for _, line in config_lines(image, entry.path)]
        for boot in image.boot_entries:
            texts += [line for _, line in boot.lines if "swupdate" in line]
        if not any(re.search(r"(\s-k\s|--key\b|public-key-file)", f" {t} ") for t in texts):
            yield self._fail(
                "/etc/swupdate.cfg",
                None,
                "SWUpdate runs without a public key (-k): images are not verified",
                "swupdate",
            )

    def _rauc(self, image: FirmwareView, found: list[str]) -> Iterator[Finding]:
        path = "/etc/rauc/system.conf"
        if not image.exists(path):
            return
        found.append("rauc")
        section, keyring = "", None
        for number, line in config_lines(image, path):
            if line.startswith("["):
                section = line.strip("[] ")
            elif section == "keyring" and line.replace(" ", "").startswith(("path=", "directory=")):
                keyring = (number, line.split("=", 1)[1].strip())
        if keyring is None:
            yield self._fail(
                path, None, "RAUC has no [keyring]: bundle signatures cannot be verified", "rauc"
            )
        else:
            target = keyring[1] if keyring[1].startswith("/") else f"/etc/rauc/{keyring[1]}"
            if not image.exists(target):
                yield self._fail(path, keyring[0], f"RAUC keyring {target} is missing from the image", "rauc")

    def _mender(self, image: FirmwareView, found: list[str]) -> Iterator[Finding]:
        path = "/etc/mender/mender.conf"
        text = image.read_text(path, 256 * 1024)
        if text is None:
            return
        found.append("mender")
        try:
            conf = json.loads(text)
        except ValueError:
            conf = {}
        if not isinstance(conf, dict) or (
            not conf.get("ArtifactVerifyKey") and not conf.get("ArtifactVerifyKeys")
        ):
            yield self._fail(
                path, None, "Mender has no ArtifactVerifyKey: unsigned artifacts are accepted", "mender"
            )
        if isinstance(conf, dict) and conf.get("SkipVerify") is True:
            yield self._fail(path, None, "Mender skips TLS server verification (SkipVerify)", "mender")

    def _tuf(self, image: FirmwareView, found: list[str]) -> None:
        for entry in image.glob("/etc/**/root.json") + image.glob("/var/lib/**/root.json"):
            text = image.read_text(entry.path, 1 << 20)
            try:
                doc = json.loads(text or "")
            except ValueError:
                continue
            if (
                isinstance(doc, dict)
                and isinstance(doc.get("signed"), dict)
                and doc["signed"].get("_type") == "root"
            ):
                found.append("tuf")
                return
