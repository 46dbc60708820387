"""``securable catalog``: browse requirements, follow crosswalks, export OSCAL.

The ``--json`` shapes are a stable contract (documented in the README):

* ``list --json``: a list of ``{"id", "framework", "title", "kind", "level", "conditional",
  "parent", "confidence"}``
* ``show ID --json``: that object plus ``text``, ``condition``, ``source``, ``note``,
  ``children``, ``mappings``
* ``map ID --json``: ``{"id", "mappings": {framework: [{"id", "title", "relation",
  "confidence", "reference"}]}}``
* ``profiles --json``: a list of ``{"id", "title", "context", "base", "frameworks", "items",
  "default"}``
* ``frameworks --json``: a list of ``{"id", "title", "publisher", "version", "published",
  "kind", "items"}``
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from securable._cli.outdir import check_output_folder
from securable._cli.output import print_json, print_table
from securable.catalog import DEFAULT_PROFILE, Item, load_catalog
from securable.catalog.oscal import write_oscal
from securable.errors import UsageError

app = typer.Typer(help="Browse the requirement catalog, its crosswalks and profiles.", no_args_is_help=True)


def _summary(item: Item) -> dict[str, Any]:
    return {
        "id": item.id,
        "framework": item.framework,
        "title": item.title,
        "kind": item.kind.value,
        "level": item.level.value,
        "conditional": item.conditional,
        "parent": item.parent,
        "confidence": item.confidence.value,
    }


def _level(item: Item) -> str:
    """The level as ``--json`` names it (``shall``, ``should``, ``informative``), so the table and
    the JSON agree; a conditional item says so."""
    return f"{item.level.value} (conditional)" if item.conditional else item.level.value


@app.command("list")
def list_items(
    framework: str | None = typer.Option(
        None, "--framework", "-f", help="Only this framework (e.g. en303645)."
    ),
    profile: str | None = typer.Option(None, "--profile", "-p", help="Only the items a profile selects."),
    as_json: bool = typer.Option(False, "--json", help="Machine-readable output."),
) -> None:
    """List requirement items (all frameworks, one framework, or one profile's selection)."""
    cat = load_catalog()
    items = cat.profile_items(profile) if profile else cat.items(framework)
    if profile and framework:
        cat.framework(framework)
        items = [i for i in items if i.framework == framework]
    if as_json:
        print_json([_summary(i) for i in items])
        return
    title = f"profile {profile}" if profile else (framework or "all frameworks")
    rows = [[i.id, _level(i), i.kind.value, i.title, i.confidence.value] for i in items]
    print_table(
        f"securable catalog — {title} ({len(items)} items)",
        ["id", "level", "kind", "title", "confidence"],
        rows,
    )


@app.command("profiles")
def profiles(as_json: bool = typer.Option(False, "--json", help="Machine-readable output.")) -> None:
    """List the profiles (what `--profile` takes): the item selections to assess against."""
    cat = load_catalog()
    rows: list[dict[str, Any]] = [
        {
            "id": p.key,
            "title": p.title,
            "context": p.context,
            "base": p.base,
            "frameworks": list(p.frameworks),
            "items": len(p.item_ids),
            "default": p.key == DEFAULT_PROFILE,
        }
        for p in cat.profiles.values()
    ]
    if as_json:
        print_json(rows)
        return
    print_table(
        f"securable profiles ({len(rows)}; default {DEFAULT_PROFILE})",
        ["id", "items", "context", "base", "title"],
        [[r["id"], str(r["items"]), r["context"], r["base"] or "", r["title"]] for r in rows],
    )


@app.command("frameworks")
def frameworks(as_json: bool = typer.Option(False, "--json", help="Machine-readable output.")) -> None:
    """List the frameworks (what `--framework` takes): the source documents in the catalog."""
    cat = load_catalog()
    rows: list[dict[str, Any]] = [
        {
            "id": f.key,
            "title": f.title,
            "publisher": f.publisher,
            "version": f.version,
            "published": f.published,
            "kind": f.kind,
            "items": len(cat.items(f.key)),
        }
        for f in cat.frameworks.values()
    ]
    if as_json:
        print_json(rows)
        return
    print_table(
        f"securable frameworks ({len(rows)})",
        ["id", "items", "version", "published", "title"],
        [[r["id"], str(r["items"]), r["version"], r["published"], r["title"]] for r in rows],
    )


@app.command("show")
def show(
    item_id: str = typer.Argument(..., metavar="ID", help="A requirement ID, e.g. nistir8425:IAC-1b."),
    as_json: bool = typer.Option(False, "--json", help="Machine-readable output."),
) -> None:
    """Show one item: its paraphrased text, level, source, children and crosswalks."""
    cat = load_catalog()
    item = cat.item(item_id)
    mappings = cat.mappings(item.id)
    if as_json:
        data = _summary(item) | {
            "text": item.text,
            "condition": item.condition,
            "source": item.source,
            "note": item.note,
            "children": [c.id for c in cat.children(item.id)],
            "checks": [{"check": c, "citation": how} for c, how in cat.evidencing_checks(item.id)],
            "mappings": [
                {"id": m.target_id, "relation": m.relation.value, "confidence": m.confidence.value}
                for m in mappings
            ],
        }
        print_json(data)
        return
    fw = cat.framework(item.framework)
    condition = f" (conditional: {item.condition})" if item.conditional else ""
    lines = [
        f"{item.id} — {item.title}",
        f"  framework:  {fw.document} ({fw.version}, {fw.published})",
        f"  level:      {item.level.value}{condition}",
        f"  kind:       {item.kind.value}",
        f"  source:     {item.source}  [confidence: {item.confidence.value}]",
    ]
    if item.parent:
        lines.append(f"  parent:     {item.parent}")
    lines.append("")
    lines.append(f"  {item.text}")
    if item.note:
        lines.append(f"  note: {item.note}")
    children = cat.children(item.id)
    if children:
        lines.append("")
        lines.append("  items:")
        lines.extend(f"    {c.id}  {c.title}" for c in children)
    if mappings:
        lines.append("")
        lines.append("  maps to:")
        lines.extend(f"    {m.target_id}  ({m.relation.value}, {m.confidence.value})" for m in mappings)
    checks = cat.evidencing_checks(item.id)
    lines.append("")
    if checks:
        lines.append("  evidenced by checks:")
        lines.extend(f"    {check}  ({how})" for check, how in checks)
    else:
        lines.append("  evidenced by checks: none")
    typer.echo("\n".join(lines))


@app.command("map")
def map_item(
    item_id: str = typer.Argument(..., metavar="ID", help="A requirement ID, e.g. nistir8425:DP-2."),
    to: str | None = typer.Option(None, "--to", help="Only items of this framework."),
    as_json: bool = typer.Option(False, "--json", help="Machine-readable output."),
) -> None:
    """Crosswalk: the items other frameworks map to this one (both directions)."""
    cat = load_catalog()
    item = cat.item(item_id)
    grouped: dict[str, list[dict[str, str]]] = {}
    for row in cat.mappings(item.id, to=to):
        target = cat.item(row.target_id)
        grouped.setdefault(target.framework, []).append(
            {
                "id": target.id,
                "title": target.title,
                "relation": row.relation.value,
                "confidence": row.confidence.value,
                "reference": row.reference,
            }
        )
    if as_json:
        print_json({"id": item.id, "mappings": grouped})
        return
    rows = [
        [fw, m["id"], m["title"], m["relation"], m["confidence"]]
        for fw, rows_ in grouped.items()
        for m in rows_
    ]
    print_table(f"{item.id} — {item.title}", ["framework", "id", "title", "relation", "confidence"], rows)
    if not rows:
        typer.echo(f"no crosswalk rows for {item.id}" + (f" into {to}" if to else ""))


@app.command("export")
def export(
    fmt: str = typer.Option("oscal", "--format", help="Export format (oscal)."),
    profile: str = typer.Option(
        DEFAULT_PROFILE, "--profile", "-p", help="Profile to export beside the catalog."
    ),
    out: Path = typer.Option(..., "--out", "-o", help="Folder to write into (created if missing)."),
) -> None:
    """Export the catalog (all frameworks) and a profile as OSCAL JSON."""
    if fmt != "oscal":
        raise UsageError(f"--format {fmt!r} is not supported", diagnostics="use --format oscal")
    check_output_folder(out, "--out")
    cat = load_catalog()
    cat.profile(profile)
    written = write_oscal(cat, profile, out)
    for path in written:
        typer.echo(str(path))
