"""securable.portal — the manufacturer's web service for the post-market obligations.

Vulnerability intake (form, API, dynamic security.txt) with receipts; PSIRT cases with SLA timers and the
CRA Art. 14 clocks; one VEX model rendered as CSAF 2.0, OpenVEX and CycloneDX VEX; CSAF provider
publication; SBOMs per product version; and a public product page + ``product.json`` with the FCC Cyber
Trust Mark registry fields, CRA Annex II user information and NIST IR 8425 education items.

Start it with ``securable portal serve``; embed it with :func:`create_app`.
"""

from __future__ import annotations

from securable.portal.app import create_app
from securable.portal.clock import Clock, ManualClock, system_clock
from securable.portal.settings import PortalSettings, RateLimits

__all__ = ["Clock", "ManualClock", "PortalSettings", "RateLimits", "create_app", "system_clock"]
