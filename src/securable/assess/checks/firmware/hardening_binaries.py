"""``fw.hardening.binaries``: network-facing programs are built with NX, PIE and RELRO."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import Any

from securable.assess.check import FirmwareCheck, NotApplicable, Remediation
from securable.assess.checks.firmware._common import declaration_of
from securable.assess.checks.firmware._exposure import Exposure, network_facing
from securable.assess.facts.elf import ElfBinary
from securable.assess.facts.firmware import FirmwareView
from securable.assess.model import Finding, Location, Severity, Verdict
from securable.catalog.evidence import mapping_confidence

_ORDER = (Severity.INFO, Severity.LOW, Severity.MEDIUM, Severity.HIGH)


def _severity(exposure: Exposure, lacks: tuple[str, ...]) -> Severity:
    """Exposure decides: a declared listener is reachable by anyone on the network, a boot service
    perhaps only locally. An executable stack is the easiest of the three to exploit. Never
    critical: a missing mitigation is no vulnerability by itself."""
    if exposure.listens:
        return Severity.HIGH if "NX" in lacks else Severity.MEDIUM
    return Severity.MEDIUM if "NX" in lacks else Severity.LOW


def _summary(binaries: list[ElfBinary]) -> dict[str, Any]:
    executables = [b for b in binaries if b.kind == "executable"]
    return {
        "elf_files": len(binaries),
        "executables": len(executables),
        "libraries": sum(b.kind == "library" for b in binaries),
        "nx": dict(Counter(str(b.nx).lower() for b in binaries)),
        "pie": dict(Counter(str(b.pie).lower() for b in executables)),
        "relro": dict(Counter(str(b.relro).lower() for b in binaries)),
        "stack_protector": dict(Counter(str(b.canary).lower() for b in binaries)),
        "fortify_source": dict(Counter(str(b.fortify).lower() for b in binaries)),
        "stripped": dict(Counter(str(b.stripped).lower() for b in binaries)),
        "with_rpath_or_runpath": sum(bool(b.rpath or b.runpath) for b in binaries),
        "partial": sum(b.partial for b in binaries),
        "unreadable": sum(bool(b.error) for b in binaries),
    }


class BinaryHardeningCheck(FirmwareCheck):
    """Exploit mitigations of the image's programs, read from their ELF headers with pyelftools:
    a non-executable stack (NX), position-independent executables (PIE, which makes ASLR work) and
    RELRO (the dynamic linker's tables read-only after start-up). Every ELF executable and library
    gets a row in the table of the summary finding (``evidence.rows``: also stack protector,
    FORTIFY_SOURCE, RPATH/RUNPATH, stripped); a **network-facing** program — started at boot, or
    the program of a service declared with a port in product.yaml — that lacks NX, PIE or RELRO
    fails, with a severity that follows its exposure (a declared listener more than a boot
    service; never critical, a missing mitigation being no vulnerability by itself).

    Why: a memory-safety bug in a daemon is much easier to turn into code execution without these
    mitigations; building with them costs nothing at run time on current toolchains. Fix: build
    with ``-fPIE -pie -Wl,-z,relro,-z,now -Wl,-z,noexecstack -fstack-protector-strong
    -D_FORTIFY_SOURCE=2`` (buildroot: ``BR2_PIC_PIE``, ``BR2_RELRO_FULL``, ``BR2_SSP_STRONG``,
    ``BR2_FORTIFY_SOURCE_2``; Yocto: ``require conf/distro/include/security_flags.inc``).
    Binaries larger than the read limit are analysed from their first part and marked ``partial``.
    """

    id = "fw.hardening.binaries"
    title = "Network-facing programs are built with NX, PIE and RELRO"
    severity = Severity.MEDIUM
    remediation = Remediation(
        summary="Build every program, at least the network-facing ones, with a non-executable stack, "
        "as a position-independent executable and with full RELRO.",
        example="CFLAGS += -fPIE -fstack-protector-strong -D_FORTIFY_SOURCE=2 -O2\n"
        "LDFLAGS += -pie -Wl,-z,relro,-z,now -Wl,-z,noexecstack\n"
        "# buildroot: BR2_PIC_PIE=y BR2_RELRO_FULL=y BR2_SSP_STRONG=y BR2_FORTIFY_SOURCE_2=y",
        references=("cra:I.2.k", "en303645:5.6-8", "https://github.com/slimm609/checksec"),
    )

    def applies(self, target: FirmwareView) -> NotApplicable | None:
        if not any(b.kind == "executable" for b in target.binaries):
            return NotApplicable(
                "no ELF executable in the image: no program whose build hardening could be read",
                location=Location(path="/"),
            )
        return None

    def run(self, target: FirmwareView) -> Iterable[Finding]:
        declaration = declaration_of(self.context)
        services = (
            [(s.name, s.port) for s in declaration.services if s.port is not None] if declaration else []
        )
        exposed = network_facing(target, services)
        confidence = mapping_confidence(self.id)
        worst = Severity.INFO
        failing: list[str] = []
        for path, exposure in sorted(exposed.items()):
            lacks = exposure.binary.lacks()
            if not lacks:
                continue
            severity = _severity(exposure, lacks)
            worst = max(worst, severity, key=_ORDER.index)
            failing.append(path)
            how = []
            if exposure.ports:
                how.append("declared on port " + ", ".join(str(p) for p in exposure.ports))
            if exposure.started_by:
                how.append("started at boot by " + ", ".join(exposure.started_by[:3]))
            yield self.finding(
                Verdict.FAIL,
                f"{path} ({'; '.join(how)}) is built without {', '.join(lacks)}",
                location=Location(path=path),
                severity=severity,
                evidence={
                    "lacks": list(lacks),
                    "binary": exposure.binary.to_json(),
                    "names": sorted(exposure.names),
                    "started_by": exposure.started_by,
                    "declared_ports": exposure.ports,
                    "mapping_confidence": confidence,
                },
            )
        rows = [b.to_json() for b in target.binaries]
        evidence: dict[str, Any] = {
            "summary": _summary(target.binaries),
            "network_facing": {
                path: {"started_by": e.started_by, "declared_ports": e.ports, "lacks": list(e.binary.lacks())}
                for path, e in sorted(exposed.items())
            },
            "declaration": declaration is not None,
            "mapping_confidence": confidence,
            "rows": rows,
        }
        counted = f"{len(rows)} ELF files read, {len(exposed)} network-facing"
        if failing:
            yield self.finding(
                Verdict.FAIL,
                f"{len(failing)} of {len(exposed)} network-facing programs lack NX, PIE or RELRO ({counted})",
                location=Location(path="/"),
                severity=worst,
                evidence=evidence,
            )
        elif exposed:
            yield self.finding(
                Verdict.PASS,
                f"every network-facing program has NX, PIE and RELRO ({counted})",
                location=Location(path="/"),
                evidence=evidence,
            )
        else:
            yield self.finding(
                Verdict.INCONCLUSIVE,
                "no ELF program of the image is started at boot or declared on a port, so none could be "
                f"judged as network-facing ({counted}); declare services with their ports in product.yaml",
                location=Location(path="/"),
                evidence=evidence,
            )
