"""The evidence bundle's file digests come from the assessment's byte pass, identical to streaming."""

from __future__ import annotations

import os
from collections import Counter
from pathlib import Path

import pytest

from securable.assess.bundle import collect_firmware
from securable.assess.facts import FirmwareView
from securable.assess.facts.digests import FileDigestMatcher
from securable.assess.targets.firmware import FirmwareImage


def _tree(root: Path) -> Path:
    (root / "etc").mkdir(parents=True)
    (root / "etc" / "hostname").write_text("device\n")
    (root / "etc" / "empty").write_bytes(b"")
    (root / "usr/bin").mkdir(parents=True)
    (root / "usr/bin/tool").write_bytes(b"\x7fELF" + bytes(range(256)) * 300)
    (root / "usr/bin/big").write_bytes(b"x" * 200_000)
    (root / "bin").symlink_to("usr/bin")
    return root


def test_digests_from_the_pass_equal_streamed_ones_and_each_file_is_read_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _tree(tmp_path / "root")
    with FirmwareImage.open(root) as image:
        streamed = collect_firmware(image, root)
    reads: Counter[str] = Counter()
    with FirmwareImage.open(root) as image:
        view = FirmwareView(image, (FileDigestMatcher(limit=100_000),))  # /usr/bin/big is streamed
        for name in ("read_bytes", "iter_chunks"):
            original = getattr(image, name)

            def counting(path: str, *args: object, _original: object = original) -> object:
                reads[path] += 1
                return _original(path, *args)  # type: ignore[operator]

            monkeypatch.setattr(image, name, counting)
        view.secret_hits  # noqa: B018 - the assessment's pass
        shared = collect_firmware(view, root)
    assert shared.map == streamed.map and shared.sha256 == streamed.sha256
    assert reads["/etc/hostname"] == 1 and reads["/usr/bin/tool"] == 1
    assert reads["/usr/bin/big"] == 2  # larger than the digest limit: read by the pass, then streamed


def test_assess_with_bundle_maps_every_file_with_its_sha256(tmp_path: Path) -> None:
    import hashlib
    import json

    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ed25519

    from securable._cli import main

    root = _tree(tmp_path / "root")
    key = tmp_path / "signer.pem"
    key.write_bytes(
        ed25519.Ed25519PrivateKey.generate().private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    argv = ["assess", "--firmware", str(root), "--out", str(tmp_path / "out"), "--format", "json"]
    argv += ["--fail-on", "never", "--bundle", str(tmp_path / "bundle"), "--sign-key", str(key)]
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code in (0, None)
    mapped = json.loads((tmp_path / "bundle" / "firmware" / "map.json").read_text())["entries"]
    digests = {e["path"]: e["sha256"] for e in mapped if e["kind"] == "file"}
    expected = {  # os.walk does not descend into the /bin link: each file once, by its own path
        "/" + (Path(folder) / name).relative_to(root).as_posix(): hashlib.sha256(
            (Path(folder) / name).read_bytes()
        ).hexdigest()
        for folder, _dirs, names in os.walk(root)
        for name in names
        if not (Path(folder) / name).is_symlink()
    }
    assert digests == expected
