"""The companion-app target: an Android package (APK) read statically with androguard.

The app is the product's component that customers hold in their hands: it talks to the device
and to the manufacturer's backend, often with the same credentials. What it allows is written
in its manifest and network security configuration, and what it carries is in its files, so all
of it can be read without running the app.

An APK is hostile input like a firmware image:

* the file must be a zip archive with an ``AndroidManifest.xml`` member, or opening fails with a
  one-line :class:`~securable.errors.AppPackageError` (exit 2) naming the file;
* its size, each member's uncompressed size and the total read are capped before a byte is
  inflated (a zip bomb stops at the cap and is reported), and member names are never used as
  host paths — nothing is extracted to disk;
* androguard parses the binary XML; any failure of the parser on a malformed manifest becomes
  the same one-line error, never a traceback.
"""

from __future__ import annotations

import logging
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from securable.assess.facts._memo import fact
from securable.assess.facts.secrets import SCAN_LIMIT, SecretHit, scan_file
from securable.assess.model import TargetKind
from securable.errors import AppPackageError

if TYPE_CHECKING:
    from lxml.etree import _Element

__all__ = ["AndroidApp", "AppComponent", "AppLimits", "NetworkSecurityConfig"]

_ANDROID = "{http://schemas.android.com/apk/res/android}"
_URL = re.compile(rb"(https?|wss?|mqtts?)://([A-Za-z0-9.-]{1,253})(?::(\d{1,5}))?")
_COMPONENT_TAGS = ("activity", "activity-alias", "service", "receiver", "provider")
_LAUNCHER = {"android.intent.action.MAIN", "android.intent.category.LAUNCHER"}
# Hosts in the Android and XML namespaces that every app carries; they are not connections.
_FRAMEWORK_HOSTS = frozenset(
    {"schemas.android.com", "www.w3.org", "ns.adobe.com", "xmlpull.org", "apache.org", "www.apache.org"}
)


@dataclass(frozen=True)
class AppLimits:
    """Caps on what is read from an APK; raise them for very large apps."""

    max_file: int = 512 * 1024 * 1024  # the APK itself
    max_member: int = SCAN_LIMIT  # bytes read from one member
    max_total: int = 1024 * 1024 * 1024  # bytes inflated over the whole scan


@dataclass(frozen=True)
class AppComponent:
    """One activity, service, receiver or provider of the manifest."""

    kind: str
    name: str
    exported: bool
    explicit: bool  # android:exported was written; False when it follows from intent filters
    permission: str | None
    launcher: bool = False  # the MAIN/LAUNCHER activity, exported by necessity for the home screen


@dataclass(frozen=True)
class DomainRule:
    """One ``domain-config`` of the network security configuration."""

    domains: tuple[str, ...]
    cleartext: bool | None
    pins: int
    user_cas: bool | None


@dataclass(frozen=True)
class NetworkSecurityConfig:
    """The parts of ``network_security_config.xml`` that decide transport security."""

    source: str
    base_cleartext: bool | None
    base_user_cas: bool | None
    domains: tuple[DomainRule, ...] = ()
    debug_user_cas: bool = False  # user CAs trusted only in debug builds (debug-overrides)


@dataclass
class _Budget:
    left: int
    exhausted: list[str] = field(default_factory=list)


def _bool(value: str | None) -> bool | None:
    if value is None:
        return None
    return value.strip().lower() in {"true", "1"}


def _user_cas(anchors: _Element | None) -> bool | None:
    if anchors is None:
        return None
    return any(cert.get("src") == "user" for cert in anchors.findall("certificates"))


def _parse_nsc(source: str, root: _Element) -> NetworkSecurityConfig:
    base = root.find("base-config")
    rules = []
    for config in root.iter("domain-config"):
        pin_set = config.find("pin-set")
        rules.append(
            DomainRule(
                domains=tuple((d.text or "").strip() for d in config.findall("domain")),
                cleartext=_bool(config.get("cleartextTrafficPermitted")),
                pins=0 if pin_set is None else len(pin_set.findall("pin")),
                user_cas=_user_cas(config.find("trust-anchors")),
            )
        )
    debug = root.find("debug-overrides")
    return NetworkSecurityConfig(
        source=source,
        base_cleartext=None if base is None else _bool(base.get("cleartextTrafficPermitted")),
        base_user_cas=None if base is None else _user_cas(base.find("trust-anchors")),
        domains=tuple(rules),
        debug_user_cas=bool(debug is not None and _user_cas(debug.find("trust-anchors"))),
    )


class AndroidApp:
    """A statically read Android app. Open with :meth:`open`; checks read its facts."""

    kind = TargetKind.APP

    def __init__(self, path: Path, apk: Any, limits: AppLimits) -> None:
        self.path = path
        self.ref = str(path)
        self.limits = limits
        self._apk = apk

    @classmethod
    def open(cls, path: Path, limits: AppLimits | None = None) -> AndroidApp:
        """Open and check an APK; raise :class:`AppPackageError` (exit 2) on anything unusable."""
        limits = limits or AppLimits()
        if not path.is_file():
            raise AppPackageError(
                f"app package {path} does not exist or is not a file; give the path of the .apk"
            )
        size = path.stat().st_size
        if size > limits.max_file:
            raise AppPackageError(
                f"app package {path} is {size} bytes, over the {limits.max_file}-byte cap; "
                "raise AppLimits.max_file if this app really is that large"
            )
        if not zipfile.is_zipfile(path):
            raise AppPackageError(
                f"app package {path} is not an APK (not a zip archive); give the app's .apk file"
            )
        try:
            with zipfile.ZipFile(path) as archive:
                infos = {info.filename: info for info in archive.infolist()}
        except (zipfile.BadZipFile, OSError, ValueError) as exc:
            raise AppPackageError(
                f"app package {path} cannot be read as a zip archive ({exc}); rebuild it"
            ) from exc
        manifest = infos.get("AndroidManifest.xml")
        if manifest is None:
            raise AppPackageError(f"app package {path} has no AndroidManifest.xml; it is not an Android app")
        for name in ("AndroidManifest.xml", "resources.arsc"):
            info = infos.get(name)
            if info is not None and info.file_size > limits.max_member:
                raise AppPackageError(
                    f"app package {path}: {name} inflates to {info.file_size} bytes, over the "
                    f"{limits.max_member}-byte cap; the package is malformed or hostile"
                )
        apk = _parse(path)
        return cls(path, apk, limits)

    # --- manifest ------------------------------------------------------------------------------

    @fact
    def manifest(self) -> _Element:
        """The decoded ``AndroidManifest.xml`` (an lxml element)."""
        root: _Element = self._apk.get_android_manifest_xml()
        return root

    @property
    def package(self) -> str:
        return str(self._apk.get_package() or "")

    @property
    def version(self) -> str:
        return str(self._apk.get_androidversion_name() or "")

    @fact
    def target_sdk(self) -> int:
        """The API level the app targets (defaults that changed over time depend on it)."""
        try:
            return int(self._apk.get_effective_target_sdk_version())
        except (TypeError, ValueError):
            return 1

    def application_flag(self, name: str) -> bool | None:
        """An ``android:`` boolean attribute of ``<application>``; None when not written."""
        application = self.manifest.find("application")
        if application is None:
            return None
        return _bool(application.get(_ANDROID + name))

    def application_value(self, name: str) -> str | None:
        application = self.manifest.find("application")
        return None if application is None else application.get(_ANDROID + name)

    @fact
    def components(self) -> list[AppComponent]:
        """Every component of the manifest, with whether another app can start or bind to it.

        A component without ``android:exported`` is exported when it has an intent filter (the
        rule up to API 30; from API 31 the attribute is mandatory for such components).
        """
        application = self.manifest.find("application")
        if application is None:
            return []
        package = self.package
        out = []
        for element in application:
            tag = element.tag if isinstance(element.tag, str) else ""
            if tag not in _COMPONENT_TAGS:
                continue
            name = element.get(_ANDROID + "name") or "?"
            if name.startswith("."):
                name = package + name
            written = _bool(element.get(_ANDROID + "exported"))
            filters = element.find("intent-filter") is not None
            exported = (
                written
                if written is not None
                else (filters and tag != "provider") or (tag == "provider" and self.target_sdk < 17)
            )
            permission = element.get(_ANDROID + "permission")
            if tag == "provider":
                permission = permission or element.get(_ANDROID + "readPermission")
            launcher = (
                tag in ("activity", "activity-alias")
                and {
                    child.get(_ANDROID + "name")
                    for intent in element.findall("intent-filter")
                    for child in intent
                }
                >= _LAUNCHER
            )
            out.append(AppComponent(tag, name, exported, written is not None, permission, launcher))
        return out

    # --- network security configuration ----------------------------------------------------------

    @fact
    def network_security_config(self) -> NetworkSecurityConfig | None:
        """The configuration the manifest names, parsed; None when the app has none."""
        reference = self.application_value("networkSecurityConfig")
        if not reference:
            return None
        member = self._resolve_xml(reference)
        if member is None:
            return None
        from androguard.core.axml import AXMLPrinter

        data = self.member(member)
        if not data:
            return None
        printer = AXMLPrinter(data)
        root = printer.get_xml_obj()
        if root is None:
            return None
        return _parse_nsc(member, root)

    def _resolve_xml(self, reference: str) -> str | None:
        if reference.startswith("@") and not reference.startswith("@xml/"):
            try:
                res_id = int(reference[1:], 16)
                configs = self._apk.get_android_resources().get_resolved_res_configs(res_id)
            except (ValueError, AttributeError, KeyError):
                return None
            for _config, value in configs:
                if isinstance(value, str) and value.endswith(".xml"):
                    return value
            return None
        if reference.startswith("@xml/"):
            return f"res/xml/{reference[5:]}.xml"
        return None

    # --- files ---------------------------------------------------------------------------------

    def members(self) -> list[str]:
        return [str(name) for name in self._apk.get_files()]

    def member(self, name: str) -> bytes:
        """One member's bytes, at most ``limits.max_member`` of them."""
        with zipfile.ZipFile(self.path) as archive, archive.open(name) as stream:
            return stream.read(self.limits.max_member)

    def _iter_members(self, budget: _Budget) -> Iterator[tuple[str, bytes]]:
        with zipfile.ZipFile(self.path) as archive:
            for info in archive.infolist():
                if info.is_dir():
                    continue
                if budget.left <= 0:
                    budget.exhausted.append(info.filename)
                    continue
                with archive.open(info) as stream:
                    data = stream.read(min(self.limits.max_member, budget.left))
                budget.left -= len(data)
                yield info.filename, data

    @fact
    def scan(self) -> tuple[list[SecretHit], dict[str, list[str]], list[str]]:
        """One pass over every member: secrets, URL hosts (host → members) and unread members."""
        budget = _Budget(self.limits.max_total)
        secrets: list[SecretHit] = []
        hosts: dict[str, list[str]] = {}
        for name, data in self._iter_members(budget):
            secrets.extend(scan_file(name, data))
            for match in _URL.finditer(data):
                host = match.group(2).decode("ascii").lower().rstrip(".")
                if "." not in host or host in _FRAMEWORK_HOSTS:
                    continue
                places = hosts.setdefault(host, [])
                if name not in places:
                    places.append(name)
        return secrets, hosts, budget.exhausted

    @property
    def secret_hits(self) -> list[SecretHit]:
        return self.scan[0]

    @property
    def hosts(self) -> dict[str, list[str]]:
        """Host names the app's files name in URLs, with the members naming them."""
        return self.scan[1]

    @property
    def unread(self) -> list[str]:
        """Members left unread because the total read cap was reached."""
        return self.scan[2]


def _parse(path: Path) -> Any:
    """androguard's APK object, with its logging quiet and its failures as one-line errors."""
    try:
        from androguard.core.apk import APK
        from loguru import logger
    except ImportError as exc:  # pragma: no cover - androguard is a declared dependency
        raise AppPackageError(
            "reading apps needs androguard; install securable with its 'all' extra"
        ) from exc
    logger.disable("androguard")
    logging.getLogger("androguard").setLevel(logging.ERROR)
    try:
        apk = APK(str(path))
        apk.get_android_manifest_xml()
    except Exception as exc:  # androguard raises many kinds on malformed binary XML
        raise AppPackageError(
            f"app package {path}: the manifest cannot be decoded ({type(exc).__name__}); rebuild the APK"
        ) from exc
    if apk.get_android_manifest_xml() is None or not apk.get_package():
        raise AppPackageError(
            f"app package {path}: the manifest is empty or has no package name; rebuild the APK"
        )
    return apk
