"""``securable assess`` on the terminal: progress lines say what each check found, and the
summary names the failing requirements with their most severe findings, escaped."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest

from securable._cli import main
from securable._cli.summary import progress_line, safe


def _image(root: Path) -> Path:
    (root / "etc").mkdir(parents=True)
    # An account name carrying a terminal escape: it must reach the terminal escaped.
    (root / "etc" / "shadow").write_text("r\x1b[2Joot::19000:0:99999:7:::\n")
    (root / "etc" / "passwd").write_text("r\x1b[2Joot:x:0:0:root:/root:/bin/sh\n")
    return root


def test_summary_names_failing_requirements_and_their_findings(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    image = _image(tmp_path / "fw")
    with pytest.raises(SystemExit) as exit_info:
        main(["assess", "--firmware", str(image), "--out", str(tmp_path / "out"), "--format", "json"])
    assert exit_info.value.code == 1
    out, err = capsys.readouterr()
    assert "failed requirements (" in out
    failing = out[out.index("failed requirements") :]
    assert "nistir8425:IAC-1b" in failing
    assert "fw.credentials.empty-password" in failing and "/etc/shadow:1" in failing
    assert "high" in failing
    assert "\x1b" not in out and "\\x1b[2J" in failing
    progress = [line for line in err.splitlines() if line.startswith("securable: [")]
    assert progress and all(" ok (" not in line for line in progress)
    assert any("fw.credentials.empty-password: " in line for line in progress)


def test_progress_line_uses_verdict_counts_when_the_event_has_them() -> None:
    event = SimpleNamespace(done=1, total=9, check="fw.x", status="ok", findings=3)
    assert progress_line(event) == "securable: [1/9] fw.x: 3 findings"
    event.findings = 1
    assert progress_line(event).endswith("fw.x: 1 finding")
    event.findings = 0
    assert progress_line(event).endswith("fw.x: no findings")
    event.verdicts = {"pass": 2, "fail": 1}
    assert progress_line(event).endswith("fw.x: 1 fail, 2 pass")
    event.status = "timeout"
    assert progress_line(event).endswith("fw.x: timeout")


def test_safe_escapes_control_characters_and_cuts_long_text() -> None:
    assert safe("a\nb\x1b[31m") == "a\\nb\\x1b[31m"
    long = safe("x" * 500)
    assert len(long) == 160 and long.endswith("…")
