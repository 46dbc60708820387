"""Issue 18 (items 4 and 6): a hostile ``product.yaml`` fails fast with one line and exit 2.

A billion-laughs declaration used to hang in schema validation (which walks the alias-expanded
tree) and a 10 MB junk file took seconds to parse before its error. Both run in a subprocess
with a timeout here, so a regression fails the test instead of hanging the suite.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from securable.assess.targets import Declaration
from securable.errors import DeclarationError

BOMB = "schema: securable/product/v1\nl0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + "".join(
    f"l{n}: &l{n} [{', '.join([f'*l{n - 1}'] * 9)}]\n" for n in range(1, 10)
)


def _python(code: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=120, check=False
    )


def test_billion_laughs_declaration_is_refused(tmp_path: Path) -> None:
    bomb = tmp_path / "product.yaml"
    bomb.write_text(BOMB)
    proc = _python(
        "import sys\nfrom securable.assess.targets import Declaration\nfrom securable.errors import "
        "DeclarationError\ntry:\n    Declaration.load(sys.argv[1])\nexcept DeclarationError as e:\n"
        "    print(e)\n    sys.exit(e.exit_code)\n",
        str(bomb),
    )
    assert proc.returncode == 2, proc.stderr
    assert f"{bomb}: refused: anchors and aliases expand to more than 100,000 nodes" in proc.stdout


def test_ten_megabytes_of_junk_is_a_size_error_before_parsing(tmp_path: Path) -> None:
    junk = tmp_path / "product.yaml"
    junk.write_text(("junk: " + "x" * 121 + "\n") * (80 << 10))  # 10 MiB (128-byte lines) of YAML
    with pytest.raises(DeclarationError) as err:
        Declaration.load(junk)
    assert str(err.value).startswith(f"{junk}: 10 MiB is over the 1 MiB limit for this YAML file")
    assert err.value.exit_code == 2
    with pytest.raises(DeclarationError, match="over the 1 MiB limit"):
        Declaration.from_text(junk.read_text(), ref="product.yaml")


def test_declaration_anchors_still_work() -> None:
    decl = Declaration.from_text(
        "schema: securable/product/v1\nproduct: {name: X, manufacturer: Y}\n"
        "services:\n  - &web {name: httpd, port: 443, purpose: local configuration}\n"
        "  - {<<: *web, name: httpd-admin, port: 8443}\n"
    )
    assert [s["name"] for s in decl.items("services")] == ["httpd", "httpd-admin"]


@pytest.mark.parametrize(
    ("content", "says"),
    [
        (BOMB, "refused: anchors and aliases expand to more than 100,000 nodes"),
        ("a: &a [*a]\n", "refused: an alias refers to a node that contains it"),
        (
            "[" * 3000 + "]" * 3000,
            "nest",
        ),  # libyaml: "maximum nesting depth"; pure Python: "nested more than 64"
    ],
    ids=["billion-laughs", "recursive", "deep"],
)
def test_cli_exits_2_with_one_line(tmp_path: Path, content: str, says: str) -> None:
    manifest = tmp_path / "bomb.yaml"
    manifest.write_text(content)
    proc = _python(
        "from securable._cli import main; main()", "assess", "--manifest", str(manifest),
        "--out", str(tmp_path / "out"),
    )  # fmt: skip
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and says in lines[0] and str(manifest) in lines[0], proc.stderr
