"""Every update stage reaches the security log — the in-memory sink and, once it exists, the
device kit's real ``SecurityLog``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from .conftest import World

pytestmark = pytest.mark.integration


def test_stages_and_refusals_are_logged_in_order(world: World) -> None:
    world.release("v2.bin", "2.0.0", 2)
    world.updater().update()
    updater = world.updater()
    updater.boot()
    updater.confirm(lambda: True)
    types = world.log.types()
    order = ["update.offer", "update.download", "update.verify", "update.install", "update.switch"]
    positions = [types.index(t) for t in order]
    assert positions == sorted(positions)
    assert types[-2:] == ["update.boot", "update.confirm"]
    confirm = world.log.events[-1][2]
    assert confirm["version"] == "2.0.0" and confirm["security_version_floor"] == 2


def test_real_security_log_accepts_update_events(world: World, tmp_path: Path) -> None:
    seclog: Any = pytest.importorskip("securable.device.seclog")
    log_dir = tmp_path / "seclog"
    log_dir.mkdir()
    log = seclog.SecurityLog(log_dir)
    world.release("v2.bin", "2.0.0", 2)
    world.updater(log=log).update()
    updater = world.updater(log=log)
    updater.boot()
    updater.confirm(lambda: True)
    updater.set_policy(enabled=False, principal="owner")
    records = list(log.records())
    events = [r["event"] for r in records]
    for stage in ("offer", "download", "verify", "install", "switch", "boot", "confirm", "policy"):
        assert f"update.{stage}" in events
    confirm = records[events.index("update.confirm")]
    assert confirm["outcome"] == "success" and confirm["details"]["version"] == "2.0.0"
    assert log.verify().ok
