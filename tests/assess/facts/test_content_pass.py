"""The shared byte pass reads each file once, whatever the number of matchers."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pytest

from securable.assess.facts.content import content_pass
from securable.assess.model import ImageFile
from securable.assess.targets.firmware import FirmwareImage


@dataclass(frozen=True)
class Grep:
    name: str
    needle: bytes
    limit: int = 1 << 20
    suffix: str = ""

    def wants(self, entry: ImageFile) -> bool:
        return entry.path.endswith(self.suffix)

    def scan(self, entry: ImageFile, data: bytes) -> list[tuple[str, int]]:
        return [(entry.path, len(data))] if self.needle in data else []


def _tree(tmp_path: Path) -> Path:
    root = tmp_path / "root"
    (root / "etc").mkdir(parents=True)
    (root / "proc").mkdir()
    (root / "etc" / "a.conf").write_bytes(b"alpha beta " * 10)
    (root / "etc" / "b.txt").write_bytes(b"beta only")
    (root / "proc" / "cpuinfo").write_bytes(b"alpha")
    (root / "etc" / "empty").write_bytes(b"")
    return root


def test_each_file_is_read_once_for_all_matchers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    reads: Counter[str] = Counter()
    with FirmwareImage.open(_tree(tmp_path)) as image:
        original = image.read_bytes

        def counting(path: str, limit: int = 1 << 20) -> bytes | None:
            reads[path] += 1
            return original(path, limit)

        monkeypatch.setattr(image, "read_bytes", counting)
        alpha, beta = Grep("alpha", b"alpha"), Grep("beta", b"beta")
        results = content_pass(image, [alpha, beta])
    assert reads == Counter({"/etc/a.conf": 1, "/etc/b.txt": 1})  # /proc and empty files skipped
    assert results.of(alpha) == [("/etc/a.conf", 110)]
    assert sorted(results.of(beta)) == [("/etc/a.conf", 110), ("/etc/b.txt", 9)]
    assert results.files_read == 2 and results.bytes_read == 119


def test_each_matcher_gets_at_most_its_limit_and_only_files_it_wants(tmp_path: Path) -> None:
    with FirmwareImage.open(_tree(tmp_path)) as image:
        short, conf = Grep("short", b"alpha", limit=8), Grep("conf", b"beta", suffix=".conf")
        results = content_pass(image, [short, conf])
    assert results.of(short) == [("/etc/a.conf", 8)]
    assert results.of(conf) == [("/etc/a.conf", 110)]


def test_matcher_names_must_be_unique(tmp_path: Path) -> None:
    with FirmwareImage.open(_tree(tmp_path)) as image, pytest.raises(ValueError, match="unique"):
        content_pass(image, [Grep("x", b"a"), Grep("x", b"b")])


def test_results_keep_file_order_though_large_batches_run_first(tmp_path: Path) -> None:
    root = tmp_path / "root"
    (root / "data").mkdir(parents=True)
    sizes = [10, 9_000_000, 20, 30, 5_000_000, 40] + [50] * 130
    for index, size in enumerate(sizes):
        (root / "data" / f"f{index:03d}").write_bytes(b"x" * size)
    everything = Grep("all", b"x", limit=16 << 20)
    with FirmwareImage.open(root) as image:
        from securable.assess.facts.content import batches, scannable

        work = batches(scannable(image.files()))
        results = content_pass(image, [everything], workers=3)
    assert [len(b) for b in work] == [1, 1, 64, 64, 6]  # a file over the byte budget ends its batch
    assert [path for path, _size in results.of(everything)] == [f"/data/f{i:03d}" for i in range(len(sizes))]


def test_a_pem_begin_and_end_line_side_by_side_end_the_key_scan() -> None:
    """Programs such as libssh2 carry both header lines next to each other: the scan must move on
    (it once found the same BEGIN again from the END line's 'PRIVATE KEY' and never ended)."""
    from securable.assess.facts.secrets import scan_file

    data = b"\0libssh2\0-----BEGIN OPENSSH PRIVATE KEY-----\n-----END OPENSSH PRIVATE KEY-----\n\0" * 3
    hits = scan_file("/usr/lib/libssh2.so.1", data)  # returns at all: the regression was a hang
    assert len(hits) <= 3


@pytest.mark.skipif(
    not Path("/usr/sbin/sshd").is_file(), reason="openssh-server is installed by scripts/bootstrap"
)
def test_the_secret_scan_finishes_on_a_real_sshd() -> None:
    """sshd carries an empty OPENSSH key template; the scan returns one candidate for it (which the
    key checks then refuse, as it does not parse), not an endless stream."""
    from securable.assess.facts.secrets import scan_file

    data = Path("/usr/sbin/sshd").read_bytes()
    assert len([h for h in scan_file("/usr/sbin/sshd", data) if h.kind == "private-key"]) <= 2
