"""``securable._yaml``: every YAML input is read within limits (size, nesting, alias expansion).

The hostile documents here would hang or exhaust memory in anything that walks the expanded
tree (schema validation, a report); the loader refuses them while the document is still a
small graph of nodes, with one line naming the file.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from securable._yaml import DEFAULT_LIMITS, YamlLimits, load_yaml_file, parse_yaml, read_text_capped
from securable.errors import CatalogDataError, SecurableError, UsageError

FIX = "correct the file"


def laughs(levels: int, width: int = 9) -> str:
    """A 'billion laughs' document: ``width ** levels`` strings from a few hundred bytes."""
    lines = [f"l0: &l0 [{', '.join(['lol'] * width)}]"]
    for n in range(1, levels + 1):
        lines.append(f"l{n}: &l{n} [{', '.join([f'*l{n - 1}'] * width)}]")
    return "\n".join(lines) + "\n"


def parse(text: str, limits: YamlLimits = DEFAULT_LIMITS) -> object:
    return parse_yaml(text, ref="in.yaml", fix=FIX, limits=limits)


def test_ordinary_documents_anchors_and_merge_keys_load_as_before() -> None:
    text = "base: &base {a: 1, b: [x, y]}\nfirst: {<<: *base, c: 2}\nsame: *base\nwhen: 2031-03-31\n"
    data = parse(text)
    assert data == {
        "base": {"a": 1, "b": ["x", "y"]},
        "first": {"a": 1, "b": ["x", "y"], "c": 2},
        "same": {"a": 1, "b": ["x", "y"]},
        "when": __import__("datetime").date(2031, 3, 31),
    }
    assert parse("") is None and parse("# only a comment\n") is None


def test_billion_laughs_is_refused_before_anything_expands_it() -> None:
    with pytest.raises(UsageError) as err:
        parse(laughs(9))  # 9**9 = 387 million strings
    message = str(err.value)
    assert message.startswith("in.yaml: refused: anchors and aliases expand to more than 100,000 nodes")
    assert "\n" not in message and err.value.exit_code == 2


def test_the_node_budget_counts_every_alias_as_a_full_copy() -> None:
    # l0 is 5 nodes, l1 = 1 + 4 * 5 = 21, l2 = 1 + 4 * 21 = 85; the document 1 + 3 keys + 111 = 115
    text = laughs(2, width=4)
    assert parse(text, YamlLimits(max_nodes=115)) is not None
    with pytest.raises(UsageError, match="expand to more than 114 nodes"):
        parse(text, YamlLimits(max_nodes=114))


def test_a_recursive_alias_is_refused() -> None:
    with pytest.raises(UsageError, match="an alias refers to a node that contains it"):
        parse("a: &a [1, *a]\n")
    with pytest.raises(UsageError, match="an alias refers to a node that contains it"):
        parse("a: &a {self: *a}\n")


def test_deep_nesting_is_refused_while_composing_and_through_aliases() -> None:
    with pytest.raises(UsageError, match=r"nested more than 64 levels deep|exceeded maximum nesting depth"):
        parse("[" * 5000 + "]" * 5000)  # would exhaust a recursive composer's stack
    with pytest.raises(UsageError, match="nested more than 64 levels deep"):
        parse("[" * 100 + "]" * 100)
    chain = ["a0: &a0 [x]"] + [f"a{n}: &a{n} [[[[[[[[[[*a{n - 1}]]]]]]]]]]" for n in range(1, 10)]
    with pytest.raises(UsageError, match=r"nested more than 64 levels deep \(aliases expanded\)"):
        parse("\n".join(chain) + "\n")


def test_syntax_errors_name_the_line_and_use_the_callers_error_class() -> None:
    with pytest.raises(CatalogDataError) as err:
        parse_yaml("a: [1,\nb: 2\n", ref="cra.yaml", fix=FIX, error=CatalogDataError)
    assert str(err.value).startswith("cra.yaml: line 3: not valid YAML (") and err.value.diagnostics == FIX


def test_size_is_checked_before_reading(tmp_path: Path) -> None:
    big = tmp_path / "junk.yaml"
    with big.open("wb") as handle:  # sparse: 10 MiB that cost nothing to write (or to refuse)
        handle.truncate(10 << 20)
    with pytest.raises(SecurableError) as err:
        load_yaml_file(big, fix=FIX)
    assert f"{big}: 10 MiB is over the 1 MiB limit for this YAML file" in str(err.value)
    assert err.value.exit_code == 2
    small = tmp_path / "small.yaml"
    small.write_text("a: 1\n")
    assert read_text_capped(small, ref="small.yaml", limits=YamlLimits(max_bytes=5)) == "a: 1\n"
    with pytest.raises(UsageError, match=r"small\.yaml: 5 bytes is over the 4 bytes limit"):
        read_text_capped(small, ref="small.yaml", limits=YamlLimits(max_bytes=4))
    with pytest.raises(UsageError, match="over the 4 bytes limit"):
        parse("a: 1\n", YamlLimits(max_bytes=4))


def test_unreadable_files_are_one_error(tmp_path: Path) -> None:
    (tmp_path / "latin1.yaml").write_bytes(b"a: caf\xe9\n")
    with pytest.raises(UsageError, match=r"latin1\.yaml: file: cannot be read"):
        load_yaml_file(tmp_path / "latin1.yaml", fix=FIX)
    with pytest.raises(UsageError, match=r"missing\.yaml: file: cannot be read"):
        load_yaml_file(tmp_path / "missing.yaml", fix=FIX)
