"""``fw.kernel.hardening-config``: the kernel is built with the well-known self-protection options."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from securable.assess.check import FirmwareCheck, Remediation
from securable.assess.facts.firmware import FirmwareView
from securable.assess.facts.kernel_config import KernelConfig
from securable.assess.model import Finding, Location, Severity, Verdict
from securable.catalog.evidence import mapping_confidence

KSPP = "https://kspp.github.io/Recommended_Settings"
HARDENING_CONFIG = (
    "https://git.kernel.org/pub/scm/linux/kernel/git/torvalds/linux.git/tree/kernel/configs/hardening.config"
)
_ALL = frozenset({"x86", "arm64", "arm", "mips", "riscv", "powerpc", "s390"})


def _on(*names: str) -> Callable[[KernelConfig], bool]:
    return lambda config: any(config.value(n) == "y" for n in names)


def _off(name: str) -> Callable[[KernelConfig], bool]:
    return lambda config: config.value(name) is None


def _devmem(config: KernelConfig) -> bool:
    if config.value("CONFIG_DEVMEM") is None:
        return True
    return config.value("CONFIG_STRICT_DEVMEM") == "y" and config.value("CONFIG_IO_STRICT_DEVMEM") == "y"


def _modules(config: KernelConfig) -> bool:
    return config.value("CONFIG_MODULES") is None or config.value("CONFIG_MODULE_SIG_FORCE") == "y"


@dataclass(frozen=True)
class Rule:
    """One recommended setting: what it is, how it is met, where the kernel offers it, and why."""

    option: str
    want: str
    met: Callable[[KernelConfig], bool]
    why: str
    arches: frozenset[str] = _ALL


# A short list from the Kernel Self Protection Project's recommended settings (KSPP) and the
# kernel's own kernel/configs/hardening.config: options that close whole classes of exploits,
# exist in every maintained kernel series on the usual embedded architectures, and cost little.
RULES: tuple[Rule, ...] = (
    Rule(
        "CONFIG_STRICT_KERNEL_RWX",
        "y",
        _on("CONFIG_STRICT_KERNEL_RWX", "CONFIG_DEBUG_RODATA"),
        "kernel code read-only and data non-executable",
        frozenset({"x86", "arm64", "arm", "riscv", "powerpc", "s390"}),
    ),
    Rule(
        "CONFIG_STACKPROTECTOR_STRONG",
        "y",
        _on("CONFIG_STACKPROTECTOR_STRONG", "CONFIG_CC_STACKPROTECTOR_STRONG"),
        "stack canaries in every function with local buffers",
    ),
    Rule(
        "CONFIG_RANDOMIZE_BASE",
        "y",
        _on("CONFIG_RANDOMIZE_BASE"),
        "kernel address space layout randomisation (KASLR)",
        frozenset({"x86", "arm64", "mips", "riscv", "powerpc", "s390"}),
    ),
    Rule(
        "CONFIG_HARDENED_USERCOPY",
        "y",
        _on("CONFIG_HARDENED_USERCOPY"),
        "bounds checks on copies between kernel and user memory",
    ),
    Rule(
        "CONFIG_FORTIFY_SOURCE",
        "y",
        _on("CONFIG_FORTIFY_SOURCE"),
        "compile- and run-time buffer checks on string and memory functions",
        frozenset({"x86", "arm64", "arm", "riscv", "powerpc", "s390"}),
    ),
    Rule(
        "CONFIG_DEVMEM",
        "not set (or CONFIG_STRICT_DEVMEM=y and CONFIG_IO_STRICT_DEVMEM=y)",
        _devmem,
        "no raw access to physical memory through /dev/mem",
    ),
    Rule(
        "CONFIG_MODULE_SIG_FORCE",
        "y (or CONFIG_MODULES not set)",
        _modules,
        "only signed kernel modules load",
    ),
    Rule(
        "CONFIG_SECCOMP_FILTER",
        "y",
        _on("CONFIG_SECCOMP_FILTER"),
        "services can confine their own system calls",
    ),
    Rule(
        "CONFIG_SLAB_FREELIST_HARDENED",
        "y",
        _on("CONFIG_SLAB_FREELIST_HARDENED"),
        "heap free-list pointers protected against overwrite",
    ),
    Rule(
        "CONFIG_PROC_KCORE", "not set", _off("CONFIG_PROC_KCORE"), "no image of kernel memory in /proc/kcore"
    ),
)


def evaluate(config: KernelConfig) -> list[dict[str, Any]]:
    """Every rule against ``config``: met, unmet, or not offered on the configuration's architecture."""
    arch = config.arch
    out = []
    for rule in RULES:
        row: dict[str, Any] = {"option": rule.option, "want": rule.want, "why": rule.why}
        if arch and arch not in rule.arches:
            row["result"] = f"not available on {arch}"
        else:
            row["result"] = "met" if rule.met(config) else "unmet"
            row["found"] = config.value(rule.option) or "not set"
        out.append(row)
    return out


class KernelHardeningConfigCheck(FirmwareCheck):
    """The kernel's build configuration, where the image keeps it — a ``.config``, a
    ``/boot/config-<version>``, a copied ``config.gz``, or the configuration built into the kernel
    image (``CONFIG_IKCONFIG``, what ``/proc/config.gz`` serves; found after the ``IKCFG_ST``
    marker, inside a gzip- or xz-compressed kernel too) — checked against a short list of
    well-known self-protection options from the Kernel Self Protection Project's recommended
    settings and the kernel's ``kernel/configs/hardening.config``: strict kernel memory
    permissions, the strong stack protector, KASLR, hardened user copies, FORTIFY_SOURCE,
    restricted ``/dev/mem``, forced module signatures, seccomp filters, a hardened slab free
    list and no ``/proc/kcore``. An option the configuration's architecture does not offer is
    not held against it. ``inconclusive`` when the image holds no kernel configuration.

    Fix: set the options (``make hardening.config`` merges the kernel's own fragment) and rebuild.
    """

    id = "fw.kernel.hardening-config"
    title = "The kernel is built with recommended self-protection options"
    severity = Severity.MEDIUM
    remediation = Remediation(
        summary="Enable the kernel self-protection options that are off and rebuild the kernel.",
        example="make hardening.config   # the kernel's own fragment (Linux 6.0 and later)\n"
        "scripts/config -e STRICT_KERNEL_RWX -e STACKPROTECTOR_STRONG -e MODULE_SIG_FORCE -d PROC_KCORE",
        references=(KSPP, HARDENING_CONFIG, "cra:I.2.k"),
    )

    def run(self, target: FirmwareView) -> Iterable[Finding]:
        configs = target.kernel_configs
        confidence = mapping_confidence(self.id)
        if not configs:
            yield self.finding(
                Verdict.INCONCLUSIVE,
                "no kernel configuration in the image (no .config, /boot/config-*, or kernel built with "
                "CONFIG_IKCONFIG): the kernel's hardening cannot be read",
                location=Location(path="/boot"),
                evidence={"mapping_confidence": confidence, "source": KSPP},
            )
            return
        for config in configs:
            rows = evaluate(config)
            unmet = [r for r in rows if r["result"] == "unmet"]
            evidence = {
                "found_as": config.source,
                "arch": config.arch or "unknown",
                "options": rows,
                "source": [KSPP, HARDENING_CONFIG],
                "mapping_confidence": confidence,
            }
            where = Location(path=config.path)
            how = "built into the kernel image" if config.source == "ikconfig" else "configuration file"
            if unmet:
                yield self.finding(
                    Verdict.FAIL,
                    f"kernel ({how} {config.path}) lacks {len(unmet)} recommended hardening option(s): "
                    + ", ".join(f"{r['option']} (want {r['want']}, found {r['found']})" for r in unmet),
                    location=where,
                    evidence=evidence,
                )
            else:
                checked = sum(r["result"] == "met" for r in rows)
                yield self.finding(
                    Verdict.PASS,
                    f"kernel ({how} {config.path}) meets all {checked} recommended hardening options "
                    "offered on its architecture",
                    location=where,
                    evidence=evidence,
                )
