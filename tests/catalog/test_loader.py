"""The loader accepts a well-formed data tree and names file, item and problem for a broken one."""

from __future__ import annotations

from pathlib import Path

import pytest

from securable.catalog import Kind, Level, Relation, build_catalog
from securable.errors import CatalogDataError, UnknownRequirementError
from tests.catalog.minimal_data import write_minimal


@pytest.fixture
def data(tmp_path: Path) -> Path:
    return write_minimal(tmp_path / "data")


def test_loads_items_tree_crosswalks_and_profiles(data: Path) -> None:
    cat = build_catalog(data)
    assert len(cat) == 4
    g2 = cat.item("fwa:G-2")
    assert g2.parent == "fwa:G" and g2.level is Level.SHOULD and g2.conditional
    assert g2.level_label == "R C"
    assert [c.id for c in cat.children("fwa:G")] == ["fwa:G-1", "fwa:G-2"]
    assert cat.item("fwa:G").kind is Kind.GROUP
    assert [a.id for a in cat.ancestors("fwa:G-1")] == ["fwa:G"]


def test_crosswalk_reads_both_ways(data: Path) -> None:
    cat = build_catalog(data)
    assert cat.mapped_ids("fwa:G-1") == ["fwb:1"]
    back = cat.mappings("fwb:1")
    assert [m.target_id for m in back] == ["fwa:G-1"]
    assert back[0].relation is Relation.SUPERSET
    assert cat.mapped_ids("fwa:G-1", to="fwa") == []


def test_profiles_resolve_and_tailor(data: Path) -> None:
    cat = build_catalog(data)
    assert cat.profile("pa").item_ids == ("fwa:G-1", "fwa:G-2")
    tailored = cat.profile("pt")
    assert tailored.item_ids == ("fwa:G-1", "fwb:1")
    assert [t.reason for t in tailored.tailoring] == ["not relevant here", "needed here"]


def test_unknown_id_suggests_close_ones(data: Path) -> None:
    cat = build_catalog(data)
    with pytest.raises(UnknownRequirementError) as err:
        cat.item("fwa:G-3")
    assert "fwa:G-1" in err.value.diagnostics or "fwa:G-2" in err.value.diagnostics
    assert err.value.exit_code == 2


def _break(data: Path, rel: str, old: str, new: str) -> None:
    path = data / rel
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


@pytest.mark.parametrize(
    ("rel", "old", "new", "expected"),
    [
        ("frameworks/fwa.yaml", "  - id: G-2\n", "  - id: G-1\n", ["fwa.yaml", "fwa:G-1", "duplicate id"]),
        (
            "frameworks/fwa.yaml",
            "parent: G\n    title: First",
            "parent: X\n    title: First",
            ["fwa.yaml", "fwa:G-1", "parent 'X'"],
        ),
        ("frameworks/fwa.yaml", "level: should", "level: maybe", ["fwa.yaml", "fwa:G-2", "level"]),
        ("frameworks/fwa.yaml", "text: The first requirement.", "text: ''", ["fwa.yaml", "fwa:G-1", "empty"]),
        ("frameworks/fwa.yaml", "key: fwa", "key: other", ["fwa.yaml", "does not match the file name"]),
        ("frameworks/fwb.yaml", "items:\n", "items: [\n", ["fwb.yaml", "not valid YAML"]),
        ("crosswalks/fwa--fwb.yaml", "to: [fwb:1]", "to: [fwb:9]", ["fwa--fwb.yaml", "fwa:G-1", "'fwb:9'"]),
        ("crosswalks/fwa--fwb.yaml", "relation: subset", "relation: cousin", ["fwa--fwb.yaml", "relation"]),
        ("profiles/pt.yaml", "reason: needed here", "reason: ''", ["pt.yaml", "reason"]),
        ("profiles/pt.yaml", "base: pa", "base: nope", ["pt.yaml", "base profile 'nope'"]),
        ("profiles/pa.yaml", "frameworks: [fwa]", "frameworks: [zzz]", ["pa.yaml", "framework 'zzz'"]),
    ],
)
def test_malformed_file_gives_one_clear_error(
    data: Path, rel: str, old: str, new: str, expected: list[str]
) -> None:
    _break(data, rel, old, new)
    with pytest.raises(CatalogDataError) as err:
        build_catalog(data)
    message = str(err.value)
    for fragment in expected:
        assert fragment in message
    assert "\n" not in message
    assert err.value.diagnostics


def test_missing_framework_folder_is_reported(tmp_path: Path) -> None:
    with pytest.raises(CatalogDataError, match="no framework files"):
        build_catalog(tmp_path)


def test_catalog_files_are_read_with_the_safe_loader(data: Path) -> None:
    """A data file is not trusted to be small: an alias bomb or a huge file is one clear error."""
    bomb = "".join(f"l{n}: &l{n} [{', '.join([f'*l{n - 1}'] * 9)}]\n" for n in range(1, 10))
    fwb = data / "frameworks" / "fwb.yaml"
    fwb.write_text(fwb.read_text() + "l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + bomb)
    with pytest.raises(CatalogDataError, match=r"^fwb.yaml: refused: anchors and aliases expand to more"):
        build_catalog(data)
    with fwb.open("wb") as handle:
        handle.truncate(2 << 20)
    with pytest.raises(CatalogDataError, match=r"^fwb.yaml: 2 MiB is over the 1 MiB limit"):
        build_catalog(data)
