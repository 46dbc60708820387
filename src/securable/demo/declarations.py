"""The product declarations (``product.yaml``) the demo assesses.

The secure build's declaration is complete: support period, update policy, disclosure contact,
documentation, and a statement per requirement. The legacy build's is what such products often
ship with — a product name and an API port, nothing about support or vulnerability handling — so
the declaration checks have something honest to fail.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from securable.demo.image import LEGACY_VERSION, SECURE_VERSION
from securable.demo.thermostat import MANUFACTURER, MODEL, PRODUCT

BASE_URL = "https://thermostat.example/st-100"
# The documents shipped with each build (user manual, security page; the PDF is printed from the
# Markdown manual). The document checks read them; their statements must match the declaration.
DOCS_DIR = Path(__file__).resolve().parent / "data" / "docs"


def secure_documents() -> dict[str, str]:
    """The secure build's local documents, by name, as ``documentation`` entries (absolute paths)."""
    folder = DOCS_DIR / "secure"
    return {
        "user_manual": str(folder / "user-manual.md"),
        "user_manual_pdf": str(folder / "user-manual.pdf"),
        "security_page": str(folder / "security.md"),
    }


def legacy_documents() -> dict[str, str]:
    """The legacy build's one document: a quick-start leaflet that misses most elements."""
    return {"user_manual": str(DOCS_DIR / "legacy" / "user-manual.md")}


PORTAL_URL = "https://thermostat.example/portal"


@dataclass(frozen=True)
class Peers:
    """Where the manufacturer's services run in this demo (loopback addresses and ports)."""

    unit: str  # the unit's own address
    broker: tuple[str, int] | None  # the telemetry broker
    repository: str = ""  # the update repository's base URL


def secure_product(peers: Peers) -> dict[str, Any]:
    """The secure product's components and connections: unit, broker, repository, portal."""
    components: list[dict[str, Any]] = [
        {"name": "thermostat", "kind": "device", "address": peers.unit, "description": "wall unit ST-100"},
        {"name": "update repository", "kind": "backend", "base_url": peers.repository,
         "description": "TUF repository of signed releases"},
        {"name": "portal", "kind": "backend", "base_url": PORTAL_URL,
         "description": "advisories, SBOM, vulnerability reports, product page"},
    ]  # fmt: skip
    connections: list[dict[str, Any]] = [
        {"from": "thermostat", "to": "update repository", "protocol": "http",
         "port": int(peers.repository.rsplit(":", 1)[1]), "protection": "signed",
         "authentication": "signed-content", "data": ["TUF metadata", "firmware images"]},
    ]  # fmt: skip
    if peers.broker is not None:
        components.insert(1, {"name": "telemetry broker", "kind": "backend", "address": peers.broker[0],
                              "description": "MQTT broker, mutual TLS only"})  # fmt: skip
        connections.append(
            {
                "from": "thermostat",
                "to": "telemetry broker",
                "protocol": "mqtt",
                "port": peers.broker[1],
                "protection": "mutual-tls",
                "authentication": "mutual-certificate",
                "data": ["room temperature", "set point", "firmware version"],
            }
        )
    return {"components": components, "connections": connections}


def legacy_product(peers: Peers) -> dict[str, Any]:
    """What the legacy maker declared: its broker 'over TLS' (it is not), and nothing else."""
    components: list[dict[str, Any]] = [
        {"name": "thermostat", "kind": "device", "address": peers.unit},
        {"name": "portal", "kind": "backend", "base_url": PORTAL_URL},
    ]
    connections: list[dict[str, Any]] = []
    if peers.broker is not None:
        components.insert(1, {"name": "telemetry broker", "kind": "backend", "address": peers.broker[0]})
        connections.append(
            {
                "from": "thermostat",
                "to": "telemetry broker",
                "protocol": "mqtt",
                "port": peers.broker[1],
                "protection": "tls",
                "authentication": "password",
                "data": ["room temperature"],
            }
        )
    return {"components": components, "connections": connections}


def secure_declaration(
    interfaces: list[dict[str, Any]], support_end: str, peers: Peers | None = None
) -> dict[str, Any]:
    """The secure build's conformance statement; ``interfaces`` come from the device's registry."""
    doc = {
        "security_guide": f"{BASE_URL}/security-guide",
        "setup_guide": f"{BASE_URL}/setup",
        "end_of_support": f"{BASE_URL}/support",
        "decommissioning": f"{BASE_URL}/reset-and-disposal",
        "sbom": f"{BASE_URL}/sbom.cdx.json",
        **secure_documents(),
    }
    evidence = {
        "DOC-1a": f"{BASE_URL}/design-assumptions",
        "DOC-1b": f"{BASE_URL}/sbom.cdx.json",
        "DOC-1c": f"{BASE_URL}/conformance",
        "DOC-1d": f"{BASE_URL}/design-assumptions",
        "DOC-1e": f"{BASE_URL}/maintenance",
        "DOC-1f": f"{BASE_URL}/secure-development",
        "DOC-1g": "https://thermostat.example/security/disclosure-policy",
        "IQR-1a": "https://thermostat.example/security/disclosure-policy",
        "IQR-1b": "https://thermostat.example/support",
        "ID-1a": f"{BASE_URL}/updates",
        "ID-1b": f"{BASE_URL}/support",
        "ID-1c": f"{BASE_URL}/maintenance",
        "ID-1d": "https://thermostat.example/security/advisories",
        "ID-1e": "https://thermostat.example/security/advisories",
        "ID-2": "https://thermostat.example/security/csaf/provider-metadata.json",
        "EA-1a": f"{BASE_URL}/security-guide",
        "EA-1b": f"{BASE_URL}/maintenance",
        "EA-1c": f"{BASE_URL}/reset-and-disposal",
        "EA-1d": f"{BASE_URL}/security-guide",
        "EA-1e": f"{BASE_URL}/support",
    }
    requirements: dict[str, Any] = {
        f"nistir8425:{item}": {"status": "implemented", "evidence": [url]} for item, url in evidence.items()
    }
    # The technical outcomes, each with the securable.device module that implements it.
    technical = {
        "AI-1": "identity: IDevID certificate with serial number and model; QR label",
        "AI-2": "image inventory (dpkg) and the SBOM published with each release",
        "PC-1": "config: schema-validated settings, changes only by authorized principals",
        "PC-2": "config.factory_reset restores the secure defaults and erases user data",
        "PC-3": "config: settings applied by the single device component that uses them",
        "DP-1": "protect.Vault: envelope encryption of user data; keys in the keystore",
        "DP-2": "protect.Vault.erase_all: cryptographic erase on factory reset, signed receipt",
        "DP-3": "tls: TLS 1.2+ on the local API and to the update and telemetry services",
        "IAC-1a": "interfaces: one network interface; debug UART disabled in software",
        "IAC-1b": "access: unique owner password per unit, argon2id, sessions",
        "IAC-1c": "principal: role permissions per action (owner, user, service, support)",
        "IAC-2a": "API input validated (types, ranges, body size)",
        "IAC-2b": "only the declared listener accepts connections; TLS pinned to the maker root",
        "IAC-2c": "the owner credential is set at provisioning; no unauthenticated onboarding",
        "SU-1": "update.DeviceUpdater: TUF-verified, A/B slots, anti-rollback floor",
        "SU-2": "automatic updates on by default; notify-only mode for the owner",
        "CSA-1": "seclog: tamper-evident security log with signed checkpoints",
    }
    for item, how in technical.items():
        requirements[f"nistir8425:{item}"] = {
            "status": "implemented",
            "evidence": [f"{BASE_URL}/security-guide#{item.lower()}"],
            "justification": how,
        }
    return {
        "schema": "securable/product/v1",
        "product": {
            "name": PRODUCT,
            "manufacturer": MANUFACTURER,
            "model": MODEL,
            "version": SECURE_VERSION,
            "identifier": "model ST-100; serial number and device certificate per unit",
            "url": BASE_URL,
        },
        "context": "consumer",
        **(
            secure_product(peers)
            if peers is not None
            else {
                "components": [
                    {"name": "thermostat", "kind": "device", "description": "wall unit running the firmware"},
                    {"name": "update repository", "kind": "backend", "description": "TUF repository"},
                    {"name": "telemetry broker", "kind": "backend", "description": "MQTT over TLS"},
                ]
            }
        ),
        "interfaces": interfaces,
        "services": [
            {
                "name": "thermostat",
                "port": 8443,
                "protocol": "https",
                "start_at_boot": True,
                "purpose": "local API for the owner's app",
            },
        ],
        "support": {
            "start": "2026-01",
            "end": support_end,
            "kind": "security updates and vulnerability handling",
            "statement_url": f"{BASE_URL}/support",
        },
        "update_policy": {
            "mechanism": "automatic",
            "automatic_by_default": True,
            "signed": True,
            "frequency": "monthly, and within 14 days for actively exploited vulnerabilities",
            "url": f"{BASE_URL}/updates",
        },
        "disclosure": {
            "contact": "security@thermostat.example",
            "policy_url": "https://thermostat.example/security/disclosure-policy",
        },
        "documentation": doc,
        "data_collected": [
            {
                "name": "room temperature history",
                "personal": False,
                "purpose": "heating schedule",
                "retention": "30 days on the device",
            },
            {
                "name": "owner account",
                "personal": True,
                "purpose": "login to the local API",
                "retention": "until factory reset",
            },
        ],
        "requirements": requirements,
    }


def legacy_declaration(peers: Peers | None = None) -> dict[str, Any]:
    """What the legacy product's maker declared: little, and the API as unauthenticated."""
    return {
        **(legacy_product(peers) if peers is not None else {}),
        "schema": "securable/product/v1",
        "product": {
            "name": PRODUCT + " (legacy)",
            "manufacturer": MANUFACTURER,
            "model": MODEL,
            "version": LEGACY_VERSION,
        },
        "context": "consumer",
        "interfaces": [
            {
                "name": "local web API",
                "kind": "network",
                "protocol": "http",
                "port": 8080,
                "auth": "none",
                "enabled_by_default": True,
                "purpose": "local control by the app",
            },
        ],
        "documentation": legacy_documents(),
    }
