"""The software inventory of a firmware image, as a CycloneDX 1.6 SBOM.

Sources, all read through the image view with bounded reads:

* ``/var/lib/dpkg/status`` — Debian packages that are installed; the *source* package name and
  version are kept, because Debian advisories (and OSV's ``Debian`` ecosystem) name source packages.
* ``/usr/lib/opkg/status`` and ``/var/lib/opkg/status`` — opkg (OpenWrt, Yocto) packages.
* ``*.dist-info/METADATA`` and ``*.egg-info/PKG-INFO`` under ``site-packages``/``dist-packages`` —
  Python distributions, parsed with the stdlib e-mail parser as ``importlib.metadata`` does.
* ``/etc/os-release`` (or ``/usr/lib/os-release``) — the operating system, the SBOM's subject.
* ``/etc/debian_version`` — the Debian release the packages come from. A vendor OS built from
  Debian packages has its own ``VERSION_ID`` (``2.4.1``), which is not a Debian release: the release
  used for vulnerability matching (``Inventory.debian_release``) comes from this file first, then
  from ``os-release`` when ``ID`` is ``debian`` (``VERSION_ID``) or ``ID``/``ID_LIKE`` name Debian
  (``VERSION_CODENAME``/``DEBIAN_CODENAME``).

Parsing of the Debian-style status files uses python-debian's ``Deb822``; the SBOM is built and
serialised with cyclonedx-python-lib, so its output is the library's, not ours.
"""

from __future__ import annotations

import email.parser
import shlex
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING

from cyclonedx.model import Property
from cyclonedx.model.bom import Bom
from cyclonedx.model.component import Component as CdxComponent
from cyclonedx.model.component import ComponentType
from cyclonedx.model.component_evidence import (
    AnalysisTechnique,
    ComponentEvidence,
    Identity,
    IdentityField,
    Method,
    Occurrence,
)
from cyclonedx.output.json import JsonV1Dot6
from debian.deb822 import Deb822
from packageurl import PackageURL

from securable.assess.model import ImageView

if TYPE_CHECKING:
    from securable.assess.facts.binaries import BinaryComponent

__all__ = [
    "Component",
    "Inventory",
    "debian_release",
    "inventory",
    "merged_with",
    "to_cyclonedx",
    "to_cyclonedx_json",
]

MAX_OCCURRENCES = 50  # files listed per component in the SBOM's evidence

STATUS_LIMIT = 32 * 1024 * 1024
METADATA_LIMIT = 256 * 1024
DPKG_STATUS = "/var/lib/dpkg/status"
OPKG_STATUS = ("/usr/lib/opkg/status", "/var/lib/opkg/status")
DEBIAN_VERSION = "/etc/debian_version"
#: Debian codenames by release number, for ``bookworm/sid``-style files and os-release codenames.
DEBIAN_CODENAMES = {
    "jessie": "8",
    "stretch": "9",
    "buster": "10",
    "bullseye": "11",
    "bookworm": "12",
    "trixie": "13",
    "forky": "14",
    "duke": "15",
}
PYTHON_METADATA = (
    "/usr/lib/python3*/site-packages/*.dist-info/METADATA",
    "/usr/lib/python3*/dist-packages/*.dist-info/METADATA",
    "/usr/local/lib/python3*/site-packages/*.dist-info/METADATA",
    "/usr/local/lib/python3*/dist-packages/*.dist-info/METADATA",
    "/usr/lib/python3*/site-packages/*.egg-info/PKG-INFO",
    "/usr/lib/python3*/dist-packages/*.egg-info/PKG-INFO",
    "/opt/**/site-packages/*.dist-info/METADATA",
)


@dataclass(frozen=True)
class Component:
    """One installed package: ``ecosystem`` is ``deb``, ``opkg`` or ``pypi``; ``path`` its metadata file."""

    name: str
    version: str
    ecosystem: str
    path: str
    source: str = ""  # Debian source package name ("" → same as name)
    source_version: str = ""
    arch: str = ""

    @property
    def source_name(self) -> str:
        return self.source or self.name

    @property
    def purl(self) -> PackageURL:
        if self.ecosystem == "deb":
            qualifiers = {"arch": self.arch} if self.arch else {}
            return PackageURL("deb", "debian", self.name, self.version, qualifiers or None)
        if self.ecosystem == "pypi":
            return PackageURL("pypi", None, self.name.lower().replace("_", "-"), self.version)
        return PackageURL("generic", None, self.name, self.version, {"package-manager": "opkg"})


@dataclass
class Inventory:
    """Everything installed in an image, plus its operating-system identity."""

    os_release: dict[str, str] = field(default_factory=dict)
    components: list[Component] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)  # the files the inventory was read from
    debian_version: str = ""  # the first line of /etc/debian_version, when the image has one

    @property
    def os_id(self) -> str:
        return self.os_release.get("ID", "")

    @property
    def debian_release(self) -> tuple[str, str]:
        """The Debian release number (``"12"``) the packages come from and where it was read; ("", "")
        when the image does not say (then release-specific advisories of every release apply)."""
        return debian_release(self.os_release, self.debian_version)

    @property
    def os_version(self) -> str:
        return self.os_release.get("VERSION_ID", "")


def _status_packages(image: ImageView, path: str, ecosystem: str) -> Iterator[Component]:
    text = image.read_text(path, STATUS_LIMIT)
    if text is None:
        return
    for para in Deb822.iter_paragraphs(text.splitlines()):
        name, version = para.get("Package"), para.get("Version")
        status = para.get("Status", "install ok installed")
        if not name or not version or not status.endswith(" installed"):
            continue
        source, source_version = para.get("Source", ""), ""
        if "(" in source:
            source, _, rest = source.partition("(")
            source_version = rest.rstrip(") ").strip()
        source = source.strip()
        yield Component(
            name=name,
            version=version,
            ecosystem=ecosystem,
            path=path,
            source=source,
            source_version=source_version or version,
            arch=para.get("Architecture", ""),
        )


def _python_packages(image: ImageView) -> Iterator[Component]:
    seen: set[str] = set()
    parser = email.parser.HeaderParser()
    for pattern in PYTHON_METADATA:
        for entry in image.glob(pattern):
            if entry.path in seen:
                continue
            seen.add(entry.path)
            text = image.read_text(entry.path, METADATA_LIMIT)
            if text is None:
                continue
            message = parser.parsestr(text)
            name, version = message.get("Name"), message.get("Version")
            if name and version:
                yield Component(
                    name=str(name).strip(), version=str(version).strip(), ecosystem="pypi", path=entry.path
                )


def read_os_release(image: ImageView) -> tuple[dict[str, str], str | None]:
    for path in ("/etc/os-release", "/usr/lib/os-release"):
        text = image.read_text(path, 64 * 1024)
        if text is None:
            continue
        values: dict[str, str] = {}
        for line in text.splitlines():
            key, sep, raw = line.partition("=")
            if not sep or not key.strip().isidentifier():
                continue
            try:
                parts = shlex.split(raw, comments=False)
            except ValueError:
                parts = [raw.strip("\"'")]
            values[key.strip()] = parts[0] if parts else ""
        return values, path
    return {}, None


def debian_release(os_release: dict[str, str], debian_version: str) -> tuple[str, str]:
    """(release number, where it came from) from ``/etc/debian_version`` and os-release values.

    ``12.5`` → ``12``; ``bookworm/sid`` → ``12``; a Debian ``VERSION_ID`` is used as is; a
    derivative's own ``VERSION_ID`` never is (it numbers the vendor's product, not Debian).
    """
    first = debian_version.strip().split("/", 1)[0].strip().lower()
    number = first.split(".", 1)[0]
    if number.isdigit():
        return number, DEBIAN_VERSION
    if first in DEBIAN_CODENAMES:
        return DEBIAN_CODENAMES[first], DEBIAN_VERSION
    os_id = os_release.get("ID", "").lower()
    like = os_release.get("ID_LIKE", "").lower().split()
    version_id = os_release.get("VERSION_ID", "")
    if os_id == "debian" and version_id.split(".", 1)[0].isdigit():
        return version_id.split(".", 1)[0], "os-release VERSION_ID"
    if os_id == "debian" or "debian" in like:
        for key in ("DEBIAN_CODENAME", "VERSION_CODENAME"):
            codename = os_release.get(key, "").lower()
            if codename in DEBIAN_CODENAMES:
                return DEBIAN_CODENAMES[codename], f"os-release {key}"
    return "", ""


def inventory(image: ImageView) -> Inventory:
    """Read the image's software inventory (see the module docstring for the sources)."""
    result = Inventory()
    release, release_path = read_os_release(image)
    result.os_release = release
    if release_path:
        result.sources.append(release_path)
    debian_version = image.read_text(DEBIAN_VERSION, 4096)
    if debian_version and debian_version.strip():
        result.debian_version = debian_version.strip().splitlines()[0][:64]
    found = list(_status_packages(image, DPKG_STATUS, "deb"))
    if found:
        result.sources.append(DPKG_STATUS)
    result.components.extend(found)
    for path in OPKG_STATUS:
        opkg = list(_status_packages(image, path, "opkg"))
        if opkg:
            result.sources.append(path)
            result.components.extend(opkg)
            break
    python = list(_python_packages(image))
    result.components.extend(python)
    result.sources.extend(sorted({c.path for c in python}))
    return result


def merged_with(
    inv: Inventory, binaries: list[BinaryComponent]
) -> list[tuple[Component | None, list[BinaryComponent]]]:
    """Each package of ``inv`` with the binary components that are the same software, then each
    binary component no package accounts for: the same component found both ways appears once.

    A binary component belongs to a package when the package's name or Debian source name is one
    its data file lists (``busybox`` for ``busybox-static``), never by a guess on similar names.
    """
    rows: list[tuple[Component | None, list[BinaryComponent]]] = [(comp, []) for comp in inv.components]
    for found in binaries:
        names = set(found.signature.packages)
        owners = [
            row
            for row in rows
            if row[0] is not None and (row[0].name in names or row[0].source_name in names)
        ]
        if owners:
            owners[0][1].append(found)
        else:
            rows.append((None, [found]))
    return rows


def _method(technique: AnalysisTechnique, confidence: float, value: str) -> Method:
    return Method(technique=technique, confidence=Decimal(str(round(confidence, 2))), value=value)


def _evidence(comp: Component | None, found: list[BinaryComponent]) -> tuple[ComponentEvidence, float]:
    methods: list[Method] = []
    occurrences: list[Occurrence] = []
    if comp is not None:
        methods.append(
            _method(AnalysisTechnique.MANIFEST_ANALYSIS, 1.0, f"{comp.path}: {comp.name} {comp.version}")
        )
        occurrences.append(Occurrence(location=comp.path))
    for binary in found:
        best = binary.best
        methods.append(
            _method(AnalysisTechnique.BINARY_ANALYSIS, best.confidence, f"{best.path}: {best.evidence}")
        )
        occurrences.extend(Occurrence(location=path) for path in binary.paths[:MAX_OCCURRENCES])
    confidence = 1.0 if comp is not None else max(b.confidence for b in found)
    identity = Identity(
        field=IdentityField.NAME, confidence=Decimal(str(round(confidence, 2))), methods=methods
    )
    return ComponentEvidence(identity=[identity], occurrences=occurrences), confidence


def _properties(comp: Component | None, found: list[BinaryComponent], confidence: float) -> list[Property]:
    properties: list[Property] = []
    if comp is not None:
        properties += [
            Property(name="securable:ecosystem", value=comp.ecosystem),
            Property(name="securable:path", value=comp.path),
        ]
        if comp.source and comp.source != comp.name:
            properties.append(Property(name="securable:debian-source", value=comp.source))
    methods = (["package-database"] if comp is not None else []) + ["binary-analysis"] * bool(found)
    properties.append(Property(name="securable:identified-by", value=",".join(methods)))
    properties.append(Property(name="securable:confidence", value=f"{confidence:.2f}"))
    for binary in found:
        properties.append(Property(name="securable:binary-component", value=binary.name))
        properties.append(Property(name="securable:binary-version", value=binary.version or "unknown"))
        properties.append(Property(name="securable:method", value=binary.best.method))
    return properties


def to_cyclonedx(
    inv: Inventory, name: str = "firmware", binaries: list[BinaryComponent] | None = None
) -> Bom:
    """A CycloneDX BOM whose subject is the image's operating system (or ``name``): every package
    of the inventory and every component identified from binaries, each once, with its evidence
    (the file, the matched string, the method) and a confidence."""
    bom = Bom()
    subject = CdxComponent(
        name=inv.os_release.get("NAME", name) or name,
        version=inv.os_version or None,
        type=ComponentType.OPERATING_SYSTEM if inv.os_release else ComponentType.FIRMWARE,
        bom_ref="image",
    )
    bom.metadata.component = subject
    for index, (comp, found) in enumerate(merged_with(inv, binaries or [])):
        evidence, confidence = _evidence(comp, found)
        properties = _properties(comp, found, confidence)
        cpe = found[0].cpe23()[0] if found else None
        if comp is not None:
            bom.components.add(
                CdxComponent(
                    name=comp.name,
                    version=comp.version,
                    type=ComponentType.LIBRARY,
                    purl=comp.purl,
                    cpe=cpe,
                    bom_ref=f"component-{index}",
                    properties=properties,
                    evidence=evidence,
                )
            )
            continue
        binary = found[0]
        sig = binary.signature
        bom.components.add(
            CdxComponent(
                name=sig.name,
                version=binary.version,
                description=sig.title,
                type=ComponentType.OPERATING_SYSTEM if sig.cpe_part == "o" else ComponentType.LIBRARY,
                purl=PackageURL(sig.purl_type, sig.purl_namespace or None, sig.purl_name, binary.version),
                cpe=cpe,
                bom_ref=f"component-{index}",
                properties=properties,
                evidence=evidence,
            )
        )
    bom.register_dependency(subject, list(bom.components))
    return bom


def to_cyclonedx_json(
    inv: Inventory, name: str = "firmware", binaries: list[BinaryComponent] | None = None
) -> str:
    """CycloneDX 1.6 JSON of the inventory and the components identified from binaries."""
    return str(JsonV1Dot6(to_cyclonedx(inv, name, binaries)).output_as_string(indent=None))
