"""SNMP agents that answer well-known communities or SNMPv3 without authentication."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from securable.assess.check import HostCheck, NotApplicable, Remediation
from securable.assess.checks.network._common import udp_service_absent
from securable.assess.model import Finding, Location, Severity, Verdict
from securable.assess.targets.host import LiveHost, SnmpAnswer

SNMP_PORT = 161
COMMUNITIES = ("public", "private", "community", "admin", "default", "snmp")
"""Well-known SNMP v1/v2c communities, most common first."""
V3_USERS = ("initial", "admin", "public", "snmp", "user")
"""SNMPv3 user names tried with noAuthNoPriv (no key at all)."""


def attempt_plan(budget: int) -> list[tuple[str, str]]:
    """(version, community or user) pairs, the likeliest first, cut to ``budget``."""
    plan = [("v2c", "public"), ("v1", "public"), ("v3", "initial"), ("v2c", "private"), ("v1", "private")]
    plan += [("v3", u) for u in V3_USERS[1:]] + [("v2c", c) for c in COMMUNITIES[2:]]
    return plan[:budget]


class SnmpAccessCheck(HostCheck):
    """An SNMP agent answers only SNMPv3 with authentication (authPriv), never a community.

    SNMP v1 and v2c authenticate with a community string sent in cleartext, and devices ship
    with ``public``/``private``: whoever is on the network reads (or, with a write community,
    changes) the device's configuration. SNMPv3 without authentication (noAuthNoPriv) is no
    better. The check sends an SNMPv3 discovery request (no credential) in the UDP sweep, then
    — as login attempts, within the per-service attempt budget and not at all with
    ``--no-login-attempts`` — GETs of sysDescr with well-known communities over v2c and v1 and
    with common user names over v3 noAuthNoPriv, through pysnmp. Any answer fails; an agent that
    answers the v3 discovery but none of these passes (authentication is required; whether it
    is authPriv rather than authNoPriv needs a user's keys and is left to the declaration).
    """

    id = "net.snmp.access"
    title = "SNMP requires SNMPv3 with authentication and privacy"
    severity = Severity.HIGH
    parallel = False  # login attempts run alone, like the other credential checks
    remediation = Remediation(
        summary="Switch SNMP v1/v2c off; use SNMPv3 users with authPriv (SHA-2 authentication and "
        "AES privacy) and per-unit keys; remove the noAuthNoPriv users.",
        example="# snmpd.conf\n# no rocommunity / rwcommunity lines\n"
        "createUser monitor SHA-256 <auth-passphrase> AES <priv-passphrase>\nrouser monitor priv",
        references=(
            "nistir8425:IAC-1b",
            "en303645:5.1-1",
            "cra:I.2.d",
            "https://www.rfc-editor.org/rfc/rfc3414",
        ),
    )

    def applies(self, target: LiveHost) -> NotApplicable | None:
        return udp_service_absent(target, SNMP_PORT, "SNMP")

    def run(self, target: LiveHost) -> Iterator[Finding]:
        where = Location(host=target.address, port=SNMP_PORT, service="snmp")
        state = target.udp_state(SNMP_PORT)
        v3_agent = state == "open"
        if not target.login_attempts:
            yield self.finding(
                Verdict.INCONCLUSIVE,
                "SNMP communities were not tried: login attempts are switched off (--no-login-attempts)"
                + ("; the agent answers SNMPv3 discovery" if v3_agent else ""),
                location=where,
            )
            return
        plan = attempt_plan(target.attempt_budget)

        def attempt(item: tuple[str, str]) -> SnmpAnswer | None:
            version, name = item
            if version == "v3":
                return target.probe.snmp_get(target.address, SNMP_PORT, version="v3", user=name)
            return target.probe.snmp_get(target.address, SNMP_PORT, version=version, community=name)

        # The attempts are single datagrams: side by side they cost one timeout, not ten.
        with ThreadPoolExecutor(max_workers=min(5, len(plan))) as pool:
            answers = list(pool.map(attempt, plan))
        accepted = [
            (v, n, a) for (v, n), a in zip(plan, answers, strict=True) if a is not None and a.answered
        ]
        evidence: dict[str, Any] = {
            "attempts": len(plan),
            "budget": target.attempt_budget,
            "v3_discovery": v3_agent,
        }
        for version, name, answer in accepted:
            what = (
                f"user {name!r} without authentication (noAuthNoPriv)"
                if version == "v3"
                else f"community {name!r}"
            )
            yield self.finding(
                Verdict.FAIL,
                f"SNMP {version} answers {what}",
                location=where,
                evidence={**evidence, "version": version, "credential": name, "sysDescr": answer.detail},
            )
        if accepted:
            return
        silent = all(a is None or a.detail == "timeout" or "timed out" in a.detail.lower() for a in answers)
        if v3_agent:
            yield self.finding(
                Verdict.PASS,
                f"the SNMP agent answers SNMPv3 discovery but refused all {len(plan)} communities and "
                "unauthenticated users tried: it requires SNMPv3 authentication",
                location=where,
                evidence=evidence,
            )
        elif silent:
            yield self.finding(
                Verdict.INCONCLUSIVE,
                f"UDP port 161 is {state} and answered none of {len(plan)} SNMP requests",
                location=where,
                evidence=evidence,
            )
        else:
            yield self.finding(
                Verdict.PASS,
                f"the SNMP agent refused all {len(plan)} communities and unauthenticated users tried",
                location=where,
                evidence=evidence,
            )
