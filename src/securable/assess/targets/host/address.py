"""Address policy: which hosts this build may assess at all.

This build only assesses devices reachable on the loopback network (127.0.0.0/8 or ::1): the
demo product and the test peers run there, and a tool that sends login attempts must not be
pointed at somebody else's machine by a typo.
"""

from __future__ import annotations

import ipaddress

from securable.errors import TargetError, UsageError

__all__ = ["HostAddressError", "check_loopback"]


class HostAddressError(TargetError, UsageError):
    """The host address is not one this build may assess (exit 2)."""


def check_loopback(address: str) -> str:
    """Return the normalised loopback ``address`` or raise :class:`HostAddressError`."""
    text = address.strip().strip("[]")
    if text.lower() == "localhost":
        return "127.0.0.1"
    try:
        ip = ipaddress.ip_address(text)
    except ValueError:
        raise HostAddressError(
            f"host {address!r} is not an IP address",
            diagnostics="give a loopback address such as 127.0.0.1 or ::1 "
            "(this build only assesses devices reachable on loopback)",
        ) from None
    if not ip.is_loopback:
        raise HostAddressError(
            f"host {address!r} is not on the loopback network",
            diagnostics="this build only assesses devices reachable on loopback (127.0.0.0/8 or ::1); "
            "run the device or a port forward on 127.0.0.x and assess that address",
        )
    return str(ip)
