"""The real UDP seams: sweep and exchange (:mod:`~securable.assess.netscan`), SNMP (pysnmp),
CoAP (aiocoap) and DNS-SD over unicast mDNS (zeroconf's message classes).

Everything is sent unicast to the device; nothing is sent to a multicast group, so discovery
protocols that are multicast by nature (mDNS, SSDP) never leave the link towards anyone but the
device under assessment. Every call has a deadline: the libraries' own retransmission schedules
(CoAP's exchange lifetime is 247 s) are cut short by ``timeout``.
"""

from __future__ import annotations

import asyncio
import contextlib
import select
import socket
import time
from collections.abc import Mapping, Sequence
from typing import Any

from securable.assess import netscan
from securable.assess.targets.host.probe import CoapResponse, MdnsService, SnmpAnswer

__all__ = ["CoapAiocoapProbe", "MdnsUnicastProbe", "SnmpPysnmpProbe", "UdpSocketProbe"]

SYS_DESCR = "1.3.6.1.2.1.1.1.0"


class UdpSocketProbe:
    """UDP sweep and single exchanges on a connected socket (ICMP errors become ``closed``)."""

    def __init__(self, *, timeout: float = 3.0, limit: int = netscan.DEFAULT_HOST_LIMIT) -> None:
        self.timeout = timeout
        self.limit = limit

    def udp_scan(self, address: str, ports: Sequence[int]) -> Mapping[int, str]:
        wait = min(self.timeout, 1.5)
        return {s.port: s.state for s in netscan.udp_sweep(address, ports, timeout=wait, limit=self.limit)}

    def udp_exchange(self, address: str, port: int, send: bytes, *, wait: float = 1.0) -> bytes | None:
        family = socket.AF_INET6 if ":" in address else socket.AF_INET
        with socket.socket(family, socket.SOCK_DGRAM) as sock:
            try:
                sock.connect((address, port))
                deadline = time.monotonic() + min(wait, self.timeout)
                for attempt in range(2):
                    sock.send(send)
                    left = (deadline - time.monotonic()) / (2 - attempt)
                    if select.select([sock], [], [], max(0.0, left))[0]:
                        return sock.recv(65535)
            except OSError:
                return None
        return None


def _run(coro: Any, timeout: float) -> Any:
    """Run ``coro`` on a fresh event loop of this thread, cut off after ``timeout`` seconds."""

    async def bounded() -> Any:
        async with asyncio.timeout(timeout):
            return await coro

    return asyncio.run(bounded())


class SnmpPysnmpProbe:
    """One SNMP GET of sysDescr through pysnmp 7 (its asyncio high-level API)."""

    def __init__(self, *, timeout: float = 3.0) -> None:
        self.timeout = timeout

    def snmp_get(
        self, address: str, port: int, *, version: str, community: str | None = None, user: str | None = None
    ) -> SnmpAnswer | None:
        try:
            return _run(self._get(address, port, version, community, user), self.timeout + 1)  # type: ignore[no-any-return]
        except TimeoutError:
            return SnmpAnswer(False, "timeout")
        except OSError:
            return None

    async def _get(
        self, address: str, port: int, version: str, community: str | None, user: str | None
    ) -> SnmpAnswer:
        from pysnmp.hlapi.v3arch import asyncio as snmp

        engine = snmp.SnmpEngine()
        try:
            auth: Any
            if version == "v3":
                auth = snmp.UsmUserData(user or "")  # noqa: S509 - probing whether the agent allows it
            else:
                auth = snmp.CommunityData(community or "", mpModel=0 if version == "v1" else 1)
            target_cls = snmp.Udp6TransportTarget if ":" in address else snmp.UdpTransportTarget
            target = await target_cls.create((address, port), timeout=max(0.2, self.timeout / 2), retries=1)
            error, status, _index, binds = await snmp.get_cmd(
                engine,
                auth,
                target,
                snmp.ContextData(),
                snmp.ObjectType(snmp.ObjectIdentity(SYS_DESCR)),
            )
        finally:
            engine.close_dispatcher()
        if error:
            return SnmpAnswer(False, str(error))
        if status:
            # An error-status answer is still an answer: the agent accepted the credential.
            return SnmpAnswer(True, f"error-status {status.prettyPrint()}")
        value = " ".join(v.prettyPrint() for _oid, v in binds)
        return SnmpAnswer(True, value[:200])


class CoapAiocoapProbe:
    """One CoAP request through aiocoap's client, over plain UDP."""

    def __init__(self, *, timeout: float = 3.0) -> None:
        self.timeout = timeout

    def coap_request(
        self,
        address: str,
        port: int,
        method: str,
        path: str,
        *,
        payload: bytes = b"",
        if_match: bytes | None = None,
    ) -> CoapResponse | None:
        try:
            return _run(self._request(address, port, method, path, payload, if_match), self.timeout)  # type: ignore[no-any-return]
        except (TimeoutError, OSError):
            return None
        except Exception as exc:  # aiocoap raises its own error tree for every network problem
            if type(exc).__module__.startswith("aiocoap"):
                return None
            raise

    async def _request(
        self, address: str, port: int, method: str, path: str, payload: bytes, if_match: bytes | None
    ) -> CoapResponse:
        import aiocoap

        host = f"[{address}]" if ":" in address else address
        context = await aiocoap.Context.create_client_context(transports=["udp6"])
        try:
            message = aiocoap.Message(
                code=getattr(aiocoap.Code, method.upper()),
                uri=f"coap://{host}:{port}{path}",
                payload=payload,
            )
            if if_match is not None:
                message.opt.if_match = [if_match]
            response = await context.request(message).response
        finally:
            await context.shutdown()
        code = str(response.code.dotted)
        fmt = response.opt.content_format
        return CoapResponse(code, bytes(response.payload[:65536]), None if fmt is None else int(fmt))


class MdnsUnicastProbe:
    """DNS-SD over unicast mDNS: the RFC 6762 §6.7 "legacy unicast" query to the device's port
    5353, so the answer comes back to us alone. zeroconf's DNSOutgoing/DNSIncoming build and
    read the messages; no multicast socket is opened."""

    def __init__(self, *, timeout: float = 3.0, max_services: int = 64) -> None:
        self.timeout = timeout
        self.max_services = max_services

    def _ask(self, address: str, port: int, questions: list[tuple[str, int]], deadline: float) -> list[Any]:
        from zeroconf import DNSIncoming, DNSOutgoing, DNSQuestion  # type: ignore[attr-defined]
        from zeroconf.const import _CLASS_IN, _FLAGS_QR_QUERY

        out = DNSOutgoing(_FLAGS_QR_QUERY, multicast=False)
        for name, qtype in questions:
            out.add_question(DNSQuestion(name, qtype, _CLASS_IN))
        family = socket.AF_INET6 if ":" in address else socket.AF_INET
        records: list[Any] = []
        with socket.socket(family, socket.SOCK_DGRAM) as sock:
            try:
                sock.connect((address, port))
                resend = 0.0
                while time.monotonic() < deadline:
                    if not records and time.monotonic() >= resend:
                        # Responders drop a question they answered a moment ago (RFC 6762 §7.3
                        # duplicate suppression), and datagrams get lost: ask again each second.
                        for packet in out.packets():
                            sock.send(packet)
                        resend = time.monotonic() + 1.0
                    ready = select.select([sock], [], [], max(0.0, min(0.3, deadline - time.monotonic())))
                    if not ready[0]:
                        if records:
                            break  # answered, and then quiet
                        continue
                    data = sock.recv(9000)
                    with contextlib.suppress(Exception):
                        records.extend(DNSIncoming(data).answers())
            except OSError:
                return records
        return records

    def mdns_services(self, address: str, port: int = 5353) -> Sequence[MdnsService] | None:
        from zeroconf.const import _TYPE_PTR, _TYPE_SRV, _TYPE_TXT

        deadline = time.monotonic() + self.timeout
        first = self._ask(address, port, [("_services._dns-sd._udp.local.", _TYPE_PTR)], deadline)
        if not first and time.monotonic() >= deadline:
            return None
        types = sorted({r.alias for r in first if r.type == _TYPE_PTR})[: self.max_services]
        instances: list[str] = []
        if types:
            found = self._ask(address, port, [(t, _TYPE_PTR) for t in types], deadline)
            instances = sorted({r.alias for r in found if r.type == _TYPE_PTR})[: self.max_services]
        services: list[MdnsService] = []
        if instances:
            details = self._ask(
                address,
                port,
                [(i, q) for i in instances for q in (_TYPE_SRV, _TYPE_TXT)],
                deadline,
            )
            srv = {r.name.lower(): r for r in details if r.type == _TYPE_SRV}
            txt = {r.name.lower(): r for r in details if r.type == _TYPE_TXT}
            for instance in instances:
                s = srv.get(instance.lower())
                t = txt.get(instance.lower())
                services.append(
                    MdnsService(
                        instance=instance,
                        service_type=instance.split(".", 1)[1] if "." in instance else instance,
                        port=None if s is None else int(s.port),
                        txt=_txt_items(t.text) if t is not None else {},
                        host=None if s is None else str(s.server),
                    )
                )
        return services


def _txt_items(raw: bytes) -> dict[str, str]:
    """RFC 6763 §6 TXT strings ``key=value`` (length-prefixed) as a mapping, values clipped."""
    out: dict[str, str] = {}
    i = 0
    while i < len(raw) and len(out) < 64:
        n = raw[i]
        item = raw[i + 1 : i + 1 + n].decode("utf-8", "replace")
        i += 1 + n
        if not item:
            continue
        key, _, value = item.partition("=")
        out[key[:64]] = value[:256]
    return out
