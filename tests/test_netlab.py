"""``securable.netlab`` where no virtual LAN can be made: one line saying why, and the demo's
fall-back to loopback. (The LAN itself is exercised by tests/assess/network/test_lan.py.)"""

from __future__ import annotations

import pytest

from securable import netlab
from securable.demo import run as demo_run
from securable.errors import UsageError


def test_an_ordinary_user_is_told_in_one_line_why_there_is_no_lan(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(netlab.os, "geteuid", lambda: 1000)
    reason = netlab.unavailable_reason()
    assert reason is not None and "root" in reason and "\n" not in reason


def test_without_iproute2_there_is_no_lan(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(netlab.shutil, "which", lambda name: None)
    assert netlab.unavailable_reason() == "iproute2's 'ip' program is not installed"
    with pytest.raises(netlab.LanError, match="not installed"):
        netlab.VirtualLan()


def test_the_demo_falls_back_to_loopback_and_says_why(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(demo_run, "unavailable_reason", lambda: "network namespaces need root")
    lan, where = demo_run._network("auto")
    assert (
        lan is None
        and where == "loopback addresses of this machine (no virtual LAN here: network namespaces need root)"
    )
    with pytest.raises(UsageError, match="--network lan: network namespaces need root"):
        demo_run._network("lan")
