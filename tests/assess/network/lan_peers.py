"""Peers that run inside a network namespace of the test LAN: ``python lan_peers.py KIND ...``.

Each binds the wildcard address of its namespace (which holds only the LAN's addresses), prints
``ready`` once listening, and serves until SIGTERM. They are started and stopped by
``securable.netlab`` (by PID), never by name.

* ``coap --writable|--readonly`` — an aiocoap server on UDP 5683 with ``/.well-known/core``;
* ``ssdp --igd-open|--igd-protected|--media`` — an SSDP responder on UDP 1900 and the UPnP
  description and control URL on TCP 49152;
* ``mdns NAME TYPE:PORT[:k=v,...] ...`` — DNS-SD services through zeroconf (its multicast stays
  on the namespace's ``eth0``, i.e. on the LAN bridge);
* ``silent PORT`` / ``endless PORT`` — a TCP service that never says anything / never stops;
* ``tarpit PORT`` — accepts and drops every connection (the test redirects every port to it).
"""

from __future__ import annotations

import asyncio
import signal
import socket
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


def _ready() -> None:
    sys.stdout.write("ready\n")
    sys.stdout.flush()


def _wait_for_term() -> None:
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    stop.wait()


# --- CoAP ------------------------------------------------------------------------------------------


def coap(writable: bool) -> None:
    import aiocoap
    import aiocoap.resource as resource

    class Value(resource.Resource):
        def __init__(self, value: bytes, can_write: bool) -> None:
            super().__init__()
            self.value = value
            self.can_write = can_write
            self.etag = b"\x01\x02"

        async def render_get(self, request: Any) -> Any:
            return aiocoap.Message(payload=self.value, etag=self.etag)

        async def render_put(self, request: Any) -> Any:
            if not self.can_write:
                return aiocoap.Message(code=aiocoap.METHOD_NOT_ALLOWED)
            if request.opt.if_match and self.etag not in request.opt.if_match:
                return aiocoap.Message(code=aiocoap.PRECONDITION_FAILED)
            self.value = request.payload
            return aiocoap.Message(code=aiocoap.CHANGED)

    async def serve() -> None:
        site = resource.Site()
        site.add_resource([".well-known", "core"], resource.WKCResource(site.get_resources_as_linkheader))
        site.add_resource(["temperature"], Value(b"21.5", False))
        if writable:
            site.add_resource(["setpoint"], Value(b"20.0", True))
        context = await aiocoap.Context.create_server_context(site, bind=("::", 5683))
        _ready()
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        loop.add_signal_handler(signal.SIGTERM, stop.set)
        await stop.wait()
        await context.shutdown()

    asyncio.run(serve())


# --- SSDP / UPnP -----------------------------------------------------------------------------------

IGD = "urn:schemas-upnp-org:service:WANIPConnection:1"
MEDIA = "urn:schemas-upnp-org:service:ContentDirectory:1"


def ssdp(mode: str) -> None:
    service = MEDIA if mode == "media" else IGD
    description = (
        '<?xml version="1.0"?><root xmlns="urn:schemas-upnp-org:device-1-0"><device>'
        "<deviceType>urn:schemas-upnp-org:device:InternetGatewayDevice:1</deviceType>"
        "<friendlyName>LAN test gateway</friendlyName><modelName>T-1</modelName><serviceList><service>"
        f"<serviceType>{service}</serviceType><serviceId>urn:upnp-org:serviceId:s1</serviceId>"
        "<controlURL>/ctl/s1</controlURL><SCPDURL>/s1.xml</SCPDURL></service></serviceList>"
        "</device></root>"
    ).encode()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

        def _send(self, status: int, body: bytes) -> None:
            self.send_response(status)
            self.send_header("Content-Type", "text/xml")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:
            self._send(200, description) if self.path == "/desc.xml" else self._send(404, b"")

        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length", "0")))
            if self.path != "/ctl/s1":
                self._send(404, b"")
            elif mode == "igd-open":
                self._send(200, b"<NewExternalIPAddress>203.0.113.7</NewExternalIPAddress>")
            else:
                self._send(401, b"")

    class Server(ThreadingHTTPServer):
        address_family = socket.AF_INET6
        daemon_threads = True

    web = Server(("::", 49152), Handler)
    threading.Thread(target=web.serve_forever, daemon=True).start()
    udp = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    udp.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    udp.bind(("::", 1900))
    _ready()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    while True:
        data, peer = udp.recvfrom(2048)
        if not data.startswith(b"M-SEARCH"):
            continue
        local = peer[0]
        host = local[7:] if local.startswith("::ffff:") else local
        mine = _own_address(host)
        where = f"[{mine}]" if ":" in mine else mine
        reply = (
            "HTTP/1.1 200 OK\r\nCACHE-CONTROL: max-age=120\r\nEXT:\r\nST: upnp:rootdevice\r\n"
            f"USN: uuid:test::upnp:rootdevice\r\nLOCATION: http://{where}:49152/desc.xml\r\n"
            "SERVER: Linux/6 UPnP/1.1 lan-test/1\r\n\r\n"
        )
        udp.sendto(reply.encode(), peer)


def _own_address(peer: str) -> str:
    family = socket.AF_INET6 if ":" in peer else socket.AF_INET
    with socket.socket(family, socket.SOCK_DGRAM) as s:
        s.connect((peer, 9))
        return str(s.getsockname()[0])


# --- mDNS ------------------------------------------------------------------------------------------


def mdns(name: str, specs: list[str]) -> None:
    import ifaddr
    from zeroconf import IPVersion, ServiceInfo, Zeroconf

    eth0 = next(a for a in ifaddr.get_adapters() if a.name == "eth0")
    address = next(str(ip.ip) for ip in eth0.ips if isinstance(ip.ip, str))
    zc = Zeroconf(interfaces=[address], ip_version=IPVersion.V4Only)
    infos = []
    for spec in specs:
        kind, port, *rest = spec.split(":")
        props = dict(kv.split("=", 1) for kv in rest[0].split(",")) if rest and rest[0] else {}
        service_type = f"_{kind}.local."
        info = ServiceInfo(
            service_type,
            f"{name}.{service_type}",
            addresses=[socket.inet_aton(address)],
            port=int(port),
            properties=props,
            server=f"{name.lower()}.local.",
        )
        zc.register_service(info)
        infos.append(info)
    _ready()
    try:
        _wait_for_term()
    finally:
        for info in infos:
            zc.unregister_service(info)
        zc.close()


# --- hostile TCP services --------------------------------------------------------------------------


def tarpit(port: int) -> None:
    """Accept every connection (iptables sends every port here) and drop it at once."""
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("0.0.0.0", port))
    server.listen(4096)
    _ready()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    while True:
        conn, _ = server.accept()
        conn.close()


def tcp_service(port: int, endless: bool) -> None:
    server = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
    server.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("::", port))
    server.listen(512)
    held: list[socket.socket] = []

    def serve(conn: socket.socket) -> None:
        try:
            while endless:
                conn.sendall(b"A" * 65536)
            time.sleep(3600)
        except OSError:
            pass
        finally:
            conn.close()

    _ready()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    while True:
        conn, _ = server.accept()
        held.append(conn)
        threading.Thread(target=serve, args=(conn,), daemon=True).start()


def main(argv: list[str]) -> None:
    kind = argv[0]
    if kind == "coap":
        coap("--writable" in argv)
    elif kind == "ssdp":
        ssdp(argv[1].lstrip("-"))
    elif kind == "mdns":
        mdns(argv[1], argv[2:])
    elif kind == "tarpit":
        tarpit(int(argv[1]))
    elif kind in ("silent", "endless"):
        tcp_service(int(argv[1]), kind == "endless")
    else:
        raise SystemExit(f"unknown peer {kind!r}")


if __name__ == "__main__":
    main(sys.argv[1:])
