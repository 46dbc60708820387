"""Kernel configuration discovery: config files, IKCONFIG in plain and compressed kernels."""

from __future__ import annotations

import gzip
import os

from securable.assess.checks.firmware.kernel_hardening import evaluate
from securable.assess.facts.kernel_config import KERNEL_CONFIG, KernelConfig, parse_config, read_kernel_config
from securable.assess.model import FileKind, ImageFile
from tests.assess.firmware.kernel_builders import debian_config, ikconfig_image, with_options


def test_debian_config_file() -> None:
    config = read_kernel_config("/boot/config-6.1.0-13-amd64", debian_config().encode())
    assert config is not None and config.source == "config-file" and config.arch == "x86"
    results = {r["option"]: r["result"] for r in evaluate(config)}
    assert results["CONFIG_STRICT_KERNEL_RWX"] == "met"
    assert results["CONFIG_DEVMEM"] == "met"  # /dev/mem is there, but strict and I/O-strict
    assert results["CONFIG_MODULE_SIG_FORCE"] == "unmet" and results["CONFIG_PROC_KCORE"] == "unmet"


def test_gzipped_config_copied_from_proc() -> None:
    data = gzip.compress(debian_config().encode())
    config = read_kernel_config("/root/config.gz", data)
    assert config is not None and config.value("CONFIG_X86_64") == "y"


def test_ikconfig_plain_gzip_and_xz_kernels() -> None:
    text = with_options(debian_config(), PROC_KCORE=None)
    for compress in ("", "gzip", "xz"):
        config = read_kernel_config("/boot/vmlinuz", ikconfig_image(text, compress=compress))
        assert config is not None and config.source == "ikconfig", compress
        assert config.value("CONFIG_PROC_KCORE") is None


def test_kernel_without_ikconfig_yields_nothing() -> None:
    assert read_kernel_config("/boot/zImage", b"\0" * 4096 + gzip.compress(os.urandom(200_000))) is None


def test_unrelated_config_files_are_not_kernel_configs() -> None:
    assert read_kernel_config("/etc/app/config-default", b"CONFIG_FOO=y\nname=x\n") is None


def test_architecture_decides_which_options_count() -> None:
    options, unset = parse_config("CONFIG_ARM=y\n" + "".join(f"CONFIG_X{n}=y\n" for n in range(30)))

    rows = {
        r["option"]: r["result"]
        for r in evaluate(KernelConfig("/boot/.config", "config-file", options, unset))
    }
    assert rows["CONFIG_RANDOMIZE_BASE"] == "not available on arm"
    assert rows["CONFIG_STRICT_KERNEL_RWX"] == "unmet"


def test_decompression_is_bounded() -> None:
    """A gzip bomb named like a kernel is inflated only up to the limit, without IKCFG_ST: nothing."""
    bomb = gzip.compress(b"\0" * (200 * 1024 * 1024))
    entry = ImageFile("/boot/Image.gz", FileKind.FILE, 0o644, len(bomb))
    assert KERNEL_CONFIG.wants(entry)
    assert list(KERNEL_CONFIG.scan(entry, bomb)) == []
