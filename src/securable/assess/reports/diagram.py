"""The product drawn for ``report.html``: components as boxes, connections as coloured edges.

Graphviz ``dot`` (Debian's ``graphviz`` package, run as a subprocess: it is EPL-licensed and never
imported) lays the graph out and writes SVG, which the page embeds inline. Edge colours say what
became of each connection: green verified (seen, protected as declared), red violated (plaintext
where TLS was declared, or not declared at all), amber seen but unverified, grey declared only or
never seen. Every name comes from the manufacturer's declaration or from the network, so labels
are quoted for DOT and the SVG is parsed and reduced to an allow-list of drawing elements and
attributes before it reaches the page (no scripts, no links, no event handlers).

Without ``dot`` the report lists the connections in a table instead (:func:`svg` returns None).
"""

from __future__ import annotations

import shutil
import subprocess
from typing import Any

from lxml import etree

__all__ = ["COLOURS", "dot_source", "svg"]

COLOURS = {
    "verified": "#1a7f37",
    "violated": "#cf222e",
    "unverified": "#bf8700",
    "unseen": "#8c959f",
    "declared": "#8c959f",
}
_SHAPES = {"device": "box3d", "hub": "box3d", "backend": "cylinder", "app": "note"}
_SVG = "http://www.w3.org/2000/svg"
_ALLOWED = {"svg", "g", "title", "polygon", "path", "ellipse", "polyline", "text", "defs", "line", "rect"}
_ATTRS = {
    "width", "height", "viewBox", "transform", "class", "id", "fill", "stroke", "stroke-width",
    "stroke-dasharray", "points", "d", "cx", "cy", "rx", "ry", "x", "y", "x1", "y1", "x2", "y2",
    "text-anchor", "font-family", "font-size", "font-weight",
}  # fmt: skip


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ") + '"'


def dot_source(product: dict[str, Any]) -> str:
    """The DOT text of the product graph (from the report's ``product`` JSON)."""
    lines = ["digraph product {", '  rankdir=LR; node [fontname="sans-serif" fontsize=11];',
             '  edge [fontname="sans-serif" fontsize=9];']  # fmt: skip
    names: dict[str, str] = {}
    for n, comp in enumerate(product.get("components", [])):
        names[comp["name"]] = f"c{n}"
        style = "solid" if comp.get("assessed") else "dashed"
        label = f"{comp['name']}\\n({comp['kind']})"
        shape = _SHAPES.get(comp["kind"], "box")
        lines.append(f"  c{n} [label={_quote(label)} shape={shape} style={style}];")
    extra = 0
    for edge in product.get("connections", []):
        source = names.get(edge["from"])
        target = names.get(edge["to"])
        if target is None:  # an undeclared endpoint: a node of its own
            target = f"x{extra}"
            extra += 1
            lines.append(f'  {target} [label={_quote(edge["to"])} shape=plaintext fontcolor="#cf222e"];')
        if source is None:
            continue
        colour = COLOURS.get(edge["status"], "#8c959f")
        text = edge.get("protocol", "?")
        if edge.get("port"):
            text += f"/{edge['port']}"
        if edge.get("protection"):
            text += f"\\n{edge['protection']}"
        text += f"\\n{edge['status']}"
        dashed = " style=dashed" if edge["status"] in ("declared", "unseen") else ""
        lines.append(
            f"  {source} -> {target} [label={_quote(text)} color={_quote(colour)} "
            f"fontcolor={_quote(colour)}{dashed}];"
        )
    lines.append("}")
    return "\n".join(lines) + "\n"


def _clean(root: Any) -> None:
    for element in list(root.iter()):
        if not isinstance(element.tag, str):  # comments, processing instructions
            element.getparent().remove(element)
            continue
        local = etree.QName(element).localname
        if local not in _ALLOWED:
            element.getparent().remove(element)
            continue
        for attr in list(element.attrib):
            if etree.QName(attr).localname not in _ATTRS:
                del element.attrib[attr]


def svg(product: dict[str, Any], *, timeout: float = 20.0) -> str | None:
    """Inline SVG of the product graph, or None when Graphviz is not installed (or fails)."""
    dot = shutil.which("dot")
    if dot is None or not product.get("components"):
        return None
    try:
        done = subprocess.run(
            [dot, "-Tsvg"], input=dot_source(product).encode("utf-8"), capture_output=True,
            timeout=timeout, check=False,
        )  # fmt: skip
    except (OSError, subprocess.TimeoutExpired):
        return None
    if done.returncode != 0:
        return None
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    try:
        root = etree.fromstring(done.stdout, parser)
    except etree.XMLSyntaxError:
        return None
    if etree.QName(root).localname != "svg":
        return None
    _clean(root)
    etree.cleanup_namespaces(root)
    return str(etree.tostring(root, encoding="unicode"))
