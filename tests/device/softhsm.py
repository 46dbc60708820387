"""A real SoftHSM2 token for tests: a private config and token directory per test session.

Imported by the keystore and identity tests (not a conftest: the device tests share one folder
and only the tests that need a token pay for it).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

MODULE = "/usr/lib/softhsm/libsofthsm2.so"
PIN = "1234"
SO_PIN = "5678"


@dataclass(frozen=True)
class SoftHsmToken:
    module: str
    label: str
    pin: str
    conf: Path


def softhsm_available() -> bool:
    return Path(MODULE).exists() and shutil.which("softhsm2-util") is not None


def init_token(directory: Path, label: str) -> SoftHsmToken:
    """Create a token directory and config under ``directory`` and initialize one token in it.

    SoftHSM reads ``SOFTHSM2_CONF`` when the module is first loaded in a process, so the
    variable is set process-wide (once per test session, see :func:`softhsm_token`).
    """
    tokens = directory / "tokens"
    tokens.mkdir(parents=True, exist_ok=True)
    conf = directory / "softhsm2.conf"
    conf.write_text(f"directories.tokendir = {tokens}\nobjectstore.backend = file\nlog.level = ERROR\n")
    env = {**os.environ, "SOFTHSM2_CONF": str(conf)}
    subprocess.run(
        ["softhsm2-util", "--init-token", "--free", "--label", label, "--pin", PIN, "--so-pin", SO_PIN],
        check=True,
        env=env,
        capture_output=True,
        timeout=30,
    )
    os.environ["SOFTHSM2_CONF"] = str(conf)
    return SoftHsmToken(MODULE, label, PIN, conf)


@pytest.fixture(scope="session")
def softhsm_token(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SoftHsmToken]:
    if not softhsm_available():
        pytest.skip("SoftHSM2 is not installed (apt install softhsm2)")
    previous = os.environ.get("SOFTHSM2_CONF")
    yield init_token(tmp_path_factory.mktemp("softhsm"), "securable-test")
    if previous is None:
        os.environ.pop("SOFTHSM2_CONF", None)
    else:
        os.environ["SOFTHSM2_CONF"] = previous
