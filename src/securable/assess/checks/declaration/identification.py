"""``decl.identification``: the declaration names the product, its model, its version and each unit."""

from __future__ import annotations

from collections.abc import Iterable

from securable.assess.check import DeclarationCheck, Remediation
from securable.assess.checks.declaration._common import field
from securable.assess.facts import FirmwareView
from securable.assess.model import Finding, ImageView, Location, Severity, Verdict
from securable.assess.sbom import read_os_release as os_release  # the one os-release reader
from securable.assess.targets.declaration import Declaration

_AI = "nistir8425:AI-1"
_MODEL = "en303645:5.3-16"
_CRA = "cra:AII.3"
_UNIT = ("nistir8259a:DI-1", "nistir8259a:DI-2")

# What each ``product`` field identifies, and so which requirements its absence breaks. The model
# may be given inside ``identifier`` (a GTIN names the model too), hence the fallback.
_FIELDS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("name", "the product's name", (_AI, _CRA)),
    ("model", "the model designation", (_AI, _MODEL, _CRA)),
    ("version", "the firmware/software version", (_AI, _CRA)),
    ("identifier", "how each unit is identified (serial number, device certificate, GTIN...)", (_AI, *_UNIT)),
)
_VERSION_KEYS = ("IMAGE_VERSION", "VERSION")


def image_version(image: ImageView) -> tuple[str, str, str] | None:
    """The version the firmware image states about itself: ``(value, key, file)`` or ``None``.

    ``IMAGE_VERSION`` is the product's own firmware version (os-release reserves it for that);
    ``VERSION`` is the fallback for images that state only the distribution's version.
    """
    values, path = os_release(image)
    if path is None:
        return None
    for key in _VERSION_KEYS:
        if values.get(key, "").strip():
            return values[key].strip(), key, path
    return None


class IdentificationCheck(DeclarationCheck):
    """The declaration identifies the product uniquely: ``product.name``, ``product.model`` (or an
    ``identifier`` that names the model), ``product.version``, and ``product.identifier`` saying how
    one unit is told apart from another (serial number, device certificate, GTIN plus serial). Each
    missing field fails, naming it. With a firmware image in the same run, the version the image
    states in ``/etc/os-release`` (``IMAGE_VERSION``, else ``VERSION``) must equal
    ``product.version``; a mismatch fails with both values.

    Why: customers, the maker and market surveillance must know exactly which product, model and
    version they have, to apply advisories and updates to the right units (NIST IR 8425 asset
    identification, NIST IR 8259A device identification, EN 303 645 model designation, CRA Annex II).
    A statement about version 2.4 says nothing about the 2.3 image that was assessed.
    Fix: fill in the missing ``product`` fields in product.yaml; make ``product.version`` the version
    of the image you assess.
    """

    id = "decl.identification"
    title = "Product, model, version and unit identification declared"
    severity = Severity.MEDIUM
    remediation = Remediation(
        summary="Fill in product.name, product.model, product.version (the version of the image you "
        "assess) and product.identifier (how one unit is told apart from another).",
        example="product:\n"
        "  name: Example Smart Thermostat\n"
        "  manufacturer: Example Devices Ltd\n"
        "  model: TH-200\n"
        "  version: 2.4.1          # as the image's /etc/os-release IMAGE_VERSION says\n"
        '  identifier: "serial number on the label and in the device certificate"',
        references=(_AI, *_UNIT, _MODEL, _CRA),
    )

    def run(self, target: Declaration) -> Iterable[Finding]:
        product = target.section("product")
        present = {
            name: str(product[name]).strip() for name, _, _ in _FIELDS if str(product.get(name, "")).strip()
        }
        missing = [
            (name, what, reqs)
            for name, what, reqs in _FIELDS
            if name not in present and not (name == "model" and "identifier" in present)
        ]
        for name, what, reqs in missing:
            yield self.finding(
                Verdict.FAIL,
                f"product.{name} is missing: the declaration does not state {what}",
                location=field(f"product.{name}"),
                requirements=reqs,
            )
        if not missing:
            yield self.finding(
                Verdict.PASS,
                "the product is identified by name, model, version and a per-unit identifier",
                location=field("product"),
                evidence=present,
            )
        yield from self._cross_check(present.get("version"))

    def _cross_check(self, declared: str | None) -> Iterable[Finding]:
        """With an image in the run: does the version it states match ``product.version``?"""
        image: FirmwareView | None = self.firmware
        if image is None or declared is None:
            return
        stated = image_version(image.image)
        if stated is None:
            return
        version, key, path = stated
        matches = version == declared
        yield self.finding(
            Verdict.PASS if matches else Verdict.FAIL,
            f"the firmware image states version {version}, as declared"
            if matches
            else f"product.version is {declared} but the firmware image states {key}={version}",
            location=Location(path=path),
            evidence={"declared": declared, "image": version, "image_key": key},
            requirements=(_AI, _CRA),
        )
