"""A Manufacturer Usage Description (RFC 8520) from the declared components and connections.

A MUD file tells the network what a device needs: the ``ietf-mud:mud`` container (who made it,
where the file lives, which access lists apply from and to the device) and the
``ietf-access-control-list:acls`` those lists hold (RFC 8519), encoded as JSON per RFC 7951.
:func:`build_mud` writes one access-control entry pair per declared connection of the device
component — the direction the connection is opened in, and the replies — addressed by the peer
component's address (``destination-ipv4-network`` / ``-ipv6-network``) or host name
(``ietf-acldns:dst-dnsname``, RFC 8520 §12). A peer without any address is matched as
``ietf-mud:mud`` ``local-networks`` (same-network peers, e.g. the owner's phone).

:func:`permits` answers whether a MUD file lets an observed connection through — the same
question a MUD manager asks — so observed traffic is checked against the file a manufacturer would
publish. ``None`` means the file names the peer by host name, which cannot be matched to an
address without resolving it.

The structure is validated against ``data/mud.schema.json``, a JSON Schema written from the YANG
modules ietf-mud@2019-01-28 (RFC 8520), ietf-access-control-list@2019-03-04 and
ietf-packet-fields@2019-03-04 (RFC 8519) and ietf-acldns (RFC 8520 §12): containers become
closed objects, lists arrays of objects, ``empty`` leaves ``[null]``, identities their names.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import ipaddress
import json
from collections.abc import Mapping
from functools import cache
from importlib import resources
from typing import Any
from urllib.parse import urlsplit

from securable.assess.observe import ObservedConnection
from securable.assess.targets.components import Component, Connection
from securable.assess.targets.declaration import Declaration

__all__ = ["build_mud", "load_mud_schema", "mud_url", "permits"]

_PROTOCOLS = {"tcp": 6, "udp": 17}
_DEFAULT_PORTS = {"https": 443, "http": 80}


@cache
def load_mud_schema() -> dict[str, Any]:
    """The JSON Schema of a MUD file's structure (package data, written from the YANG models)."""
    text = resources.files("securable.assess").joinpath("data/mud.schema.json").read_text("utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


def mud_url(declaration: Declaration) -> str:
    product = declaration.section("product")
    if product.get("mud_url"):
        return str(product["mud_url"])
    url = str(product.get("url", ""))
    if url.startswith("https://"):
        return url.rstrip("/") + "/mud.json"
    slug = (
        "".join(ch if ch.isalnum() else "-" for ch in declaration.product_name.lower()).strip("-") or "device"
    )
    return f"https://mud.invalid/{slug}.json"


def _peer(component: Component | None) -> tuple[str, str] | None:
    """``("ipv4"|"ipv6"|"dns", value)`` for a peer component, or None without an address."""
    if component is None:
        return None
    host = next(iter(component.hosts), "")
    if not host:
        return None
    try:
        address = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return ("dns", host)
    return ("ipv4" if address.version == 4 else "ipv6", str(address))


def _port(connection: Connection, peer: Component | None) -> int | None:
    if connection.port is not None:
        return connection.port
    if peer is not None and peer.base_url:
        parts = urlsplit(peer.base_url)
        return parts.port or _DEFAULT_PORTS.get(parts.scheme)
    return None


def _ace(
    name: str, family: str, connection: Connection, peer: Component | None, *, outbound: bool, initiated: str
) -> dict[str, Any]:
    """One access-control entry: traffic ``outbound`` from the device, or towards it."""
    where = _peer(peer)
    matches: dict[str, Any] = {}
    l3: dict[str, Any] = {"protocol": _PROTOCOLS[connection.transport]}
    if where is None:
        matches["ietf-mud:mud"] = {"local-networks": [None]}
    elif where[0] == "dns":
        l3["ietf-acldns:dst-dnsname" if outbound else "ietf-acldns:src-dnsname"] = where[1]
    else:
        prefix = f"{where[1]}/{32 if where[0] == 'ipv4' else 128}"
        l3[f"destination-{where[0]}-network" if outbound else f"source-{where[0]}-network"] = prefix
    matches[family] = l3
    port = _port(connection, peer)
    l4: dict[str, Any] = {}
    if port is not None:
        # The device opens connections to the peer's port (from-device) or the peer opens them to the
        # device's port (to-device); replies carry the port on the other side.
        to_peer_port = initiated == "from-device"
        key = "destination-port" if outbound == to_peer_port else "source-port"
        l4[key] = {"operator": "eq", "port": port}
    if connection.transport == "tcp" and outbound == (initiated == "from-device"):
        l4["ietf-mud:direction-initiated"] = initiated
    matches[connection.transport] = l4
    return {"name": name, "matches": matches, "actions": {"forwarding": "accept"}}


def build_mud(
    declaration: Declaration, *, device: str | None = None, now: dt.datetime | None = None
) -> dict[str, Any]:
    """The MUD file of the ``device`` component (default: the first device) as RFC 7951 JSON."""
    components = declaration.components
    chosen = next(
        (c for c in components if (c.name == device if device else c.kind == "device")), components[0]
    )
    url = mud_url(declaration)
    tag = hashlib.sha256(url.encode()).hexdigest()[:8]
    aces: dict[str, dict[str, list[dict[str, Any]]]] = {}
    for n, connection in enumerate(declaration.connections):
        if chosen.name not in (connection.source, connection.target):
            continue
        other = connection.target if connection.source == chosen.name else connection.source
        peer = declaration.component(other)
        where = _peer(peer)
        family = "ipv6" if where is not None and where[0] == "ipv6" else "ipv4"
        initiated = "from-device" if connection.source == chosen.name else "to-device"
        lists = aces.setdefault(family, {"fr": [], "to": []})
        lists["fr"].append(_ace(f"cl{n}-frdev", family, connection, peer, outbound=True, initiated=initiated))
        lists["to"].append(
            _ace(f"cl{n}-todev", family, connection, peer, outbound=False, initiated=initiated)
        )
    acls: list[dict[str, Any]] = []
    policies: dict[str, list[dict[str, str]]] = {"fr": [], "to": []}
    for family, lists in sorted(aces.items()):
        short = "v4" if family == "ipv4" else "v6"
        for direction in ("fr", "to"):
            name = f"mud-{tag}-{short}{direction}"
            acls.append({"name": name, "type": f"{family}-acl-type", "aces": {"ace": lists[direction]}})
            policies[direction].append({"name": name})
    product = declaration.section("product")
    moment = (now or dt.datetime.now(dt.UTC)).astimezone(dt.UTC).replace(microsecond=0)
    mud: dict[str, Any] = {
        "mud-version": 1,
        "mud-url": url,
        "last-update": moment.isoformat(),
        "cache-validity": 48,
        "is-supported": declaration.support.end is None or declaration.support.end >= moment.date(),
        "systeminfo": f"{declaration.product_name} {chosen.name}"[:60],
        "mfg-name": str(product.get("manufacturer", "")),
        **({"model-name": str(product["model"])} if product.get("model") else {}),
        **({"firmware-rev": str(product["version"])} if product.get("version") else {}),
        **({"documentation": str(product["url"])} if str(product.get("url", "")).startswith("http") else {}),
        "from-device-policy": {"access-lists": {"access-list": policies["fr"]}},
        "to-device-policy": {"access-lists": {"access-list": policies["to"]}},
    }
    return {"ietf-mud:mud": mud, "ietf-access-control-list:acls": {"acl": acls}}


def _port_ok(match: Mapping[str, Any] | None, port: int) -> bool:
    if not match:
        return True
    if "operator" in match:
        return match["operator"] == "eq" and match.get("port") == port
    return int(match.get("lower-port", 0)) <= port <= int(match.get("upper-port", 65535))


def permits(mud: Mapping[str, Any], observed: ObservedConnection) -> bool | None:
    """Whether the MUD file's from-device access lists let ``observed`` out.

    ``True``: an entry accepts it; ``False``: none does (a MUD manager would drop it); ``None``:
    only entries naming a host name could match, which needs a DNS answer to decide.
    """
    names = {a["name"] for a in mud["ietf-mud:mud"]["from-device-policy"]["access-lists"]["access-list"]}
    address = ipaddress.ip_address(observed.remote)
    family = "ipv4" if address.version == 4 else "ipv6"
    undecided = False
    for acl in mud["ietf-access-control-list:acls"]["acl"]:
        if acl["name"] not in names:
            continue
        for ace in acl["aces"]["ace"]:
            matches = ace["matches"]
            if ace["actions"]["forwarding"] != "accept" or family not in matches:
                continue
            l3 = matches[family]
            if l3.get("protocol") != _PROTOCOLS.get(observed.transport):
                continue
            l4 = matches.get(observed.transport, {})
            if l4.get("ietf-mud:direction-initiated") == "to-device" or "source-port" in l4:
                # Replies to connections the peer opened: a connection the device opens leaves
                # from an ephemeral port, and a MUD manager lets only the peer initiate these.
                continue
            if not _port_ok(l4.get("destination-port"), observed.remote_port):
                continue
            network = l3.get(f"destination-{family}-network")
            if network is not None:
                if address in ipaddress.ip_network(network, strict=False):
                    return True
                continue
            if "ietf-acldns:dst-dnsname" in l3:
                undecided = True
                continue
            if "local-networks" in matches.get("ietf-mud:mud", {}) and address.is_private:
                return True
    return None if undecided else False
