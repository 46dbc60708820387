"""A tiny but complete catalog data tree, for loader tests that must not depend on the real data."""

from __future__ import annotations

from pathlib import Path

FRAMEWORK_A = """\
framework:
  key: fwa
  title: Framework A
  publisher: Test
  version: "1"
  published: "2020-01"
  document: "Doc A"
items:
  - id: G
    title: Group
    text: A group of requirements.
    kind: group
    confidence: source
  - id: G-1
    parent: G
    title: First
    text: The first requirement.
    confidence: source
  - id: G-2
    parent: G
    title: Second
    text: The second requirement.
    level: should
    conditional: true
    condition: when it applies
"""

FRAMEWORK_B = """\
framework:
  key: fwb
  title: Framework B
  publisher: Test
  version: "2"
  published: "2021-01"
  document: "Doc B"
items:
  - id: "1"
    title: Only
    text: The only requirement of B.
"""

CROSSWALK = """\
crosswalk:
  title: A to B
  confidence: derived
rows:
  - from: fwa:G-1
    to: [fwb:1]
    relation: subset
"""

PROFILE = """\
key: pa
title: Profile A
description: all of A
frameworks: [fwa]
"""

TAILORED = """\
key: pt
title: Tailored
description: A without G-2, plus B
base: pa
tailoring:
  - action: drop
    items: [fwa:G-2]
    reason: not relevant here
  - action: add
    items: [fwb:1]
    reason: needed here
"""


def write_minimal(root: Path) -> Path:
    for sub in ("frameworks", "crosswalks", "profiles"):
        (root / sub).mkdir(parents=True, exist_ok=True)
    (root / "frameworks" / "fwa.yaml").write_text(FRAMEWORK_A)
    (root / "frameworks" / "fwb.yaml").write_text(FRAMEWORK_B)
    (root / "crosswalks" / "fwa--fwb.yaml").write_text(CROSSWALK)
    (root / "profiles" / "pa.yaml").write_text(PROFILE)
    (root / "profiles" / "pt.yaml").write_text(TAILORED)
    return root
