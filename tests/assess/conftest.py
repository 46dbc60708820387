"""Fixtures for the assessment engine tests: a small catalog, test-only checks, image builders.

The catalog here is a hand-made subset (a few NIST IR 8425 outcomes, EN 303 645 provisions and
CRA items, with crosswalk rows) so that verdict folding is tested against known data; one test
module also runs against the real package catalog once its data files are present.
"""

from __future__ import annotations

import io
import tarfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from securable.catalog import Catalog, build_catalog

NISTIR8425 = """\
framework: {key: nistir8425, title: NIST IR 8425 (test subset), publisher: NIST, version: "1",
            published: "2022-09", document: NIST IR 8425}
items:
  - {id: AI, title: Asset Identification, text: The product can be identified., kind: group}
  - {id: AI-1, parent: AI, title: Unique identification, text: The product can be identified uniquely.}
  - {id: IAC, title: Interface Access Control, text: Interfaces are access controlled., kind: group}
  - {id: IAC-1, parent: IAC, title: Interface access, text: Each component controls access., kind: group}
  - {id: IAC-1a, parent: IAC-1, title: Only needed interfaces, text: Only needed interfaces are enabled.}
  - {id: IAC-1b, parent: IAC-1, title: Access control on interfaces, text: Every interface is protected.}
  - {id: IAC-2c, parent: IAC, title: Access control on reconnect, text: Access control holds on reconnect.}
  - {id: SU, title: Software Update, text: Updates are secure., kind: group}
  - {id: SU-1, parent: SU, title: Verified updates, text: Updates are verified.}
  - {id: SU-2, parent: SU, title: Current software, text: Software is kept current.}
  - {id: DOC, title: Documentation, text: The developer documents the product., kind: group}
  - {id: DOC-1a, parent: DOC, title: Assumptions, text: Development assumptions are documented.}
  - {id: DOC-1c, parent: DOC, title: How outcomes are met, text: How each outcome is met is documented.}
  - {id: IQR, title: Information and Query Reception, text: The developer receives reports., kind: group}
  - {id: IQR-1a, parent: IQR, title: Point of contact, text: There is a contact for reports.}
  - {id: ID, title: Information Dissemination, text: The developer informs customers., kind: group}
  - {id: ID-1a, parent: ID, title: Terms of update support, text: Update terms are communicated.}
  - {id: ID-1b, parent: ID, title: End of support, text: End of support is communicated.}
  - {id: EA, title: Education and Awareness, text: The developer educates customers., kind: group}
  - {id: EA-1a, parent: EA, title: Capabilities, text: Customers learn the security capabilities.}
  - {id: EA-1e, parent: EA, title: Purchase information, text: Buyers learn the support duration.}
"""

EN303645 = """\
framework: {key: en303645, title: ETSI EN 303 645 (test subset), publisher: ETSI, version: "2.1.1",
            published: "2020-06", document: EN 303 645}
items:
  - {id: "4-1", title: Justify exceptions, text: Exceptions are justified.}
  - {id: "5.1-1", title: No universal default passwords, text: Passwords are unique or user set.}
  - {id: "5.2-1", title: Disclosure policy, text: A disclosure policy is published.}
  - {id: "5.3-4", title: Automatic updates, text: Updates are automatic.}
  - {id: "5.3-13", title: Support period published, text: The support period is published.}
"""

CRA = """\
framework: {key: cra, title: CRA Annex I (test subset), publisher: EU, version: "2024/2847",
            published: "2024-11", document: Regulation (EU) 2024/2847}
items:
  - {id: I.2.c, title: Security updates, text: Vulnerabilities can be fixed by updates.}
  - {id: I.2.d, title: Access control, text: Unauthorised access is prevented.}
  - {id: II.5, title: CVD policy, text: A disclosure policy is enforced.}
  - {id: II.6, title: Contact address, text: There is a contact address.}
"""

XW_EN = """\
crosswalk: {title: 8425 to EN 303 645, confidence: derived}
rows:
  - {from: "nistir8425:IAC-1b", to: ["en303645:5.1-1"]}
  - {from: "nistir8425:SU-2", to: ["en303645:5.3-4"]}
  - {from: "nistir8425:ID-1b", to: ["en303645:5.3-13"]}
  - {from: "nistir8425:IQR-1a", to: ["en303645:5.2-1"]}
"""

XW_CRA = """\
crosswalk: {title: 8425 to CRA, confidence: derived}
rows:
  - {from: "nistir8425:IAC-1b", to: ["cra:I.2.d"]}
  - {from: "nistir8425:IAC-1a", to: ["cra:I.2.d"]}
  - {from: "nistir8425:SU-2", to: ["cra:I.2.c"]}
  - {from: "nistir8425:IQR-1a", to: ["cra:II.6"]}
"""

PROFILE = """\
key: nistir8425
title: NIST IR 8425 consumer profile (test subset)
description: Every requirement of the test NIST IR 8425 subset.
frameworks: [nistir8425]
"""


def write_catalog(root: Path) -> Path:
    for sub, name, text in (
        ("frameworks", "nistir8425.yaml", NISTIR8425),
        ("frameworks", "en303645.yaml", EN303645),
        ("frameworks", "cra.yaml", CRA),
        ("crosswalks", "nistir8425--en303645.yaml", XW_EN),
        ("crosswalks", "nistir8425--cra.yaml", XW_CRA),
        ("profiles", "nistir8425.yaml", PROFILE),
    ):
        (root / sub).mkdir(parents=True, exist_ok=True)
        (root / sub / name).write_text(text, encoding="utf-8")
    return root


@pytest.fixture(scope="session")
def catalog(tmp_path_factory: pytest.TempPathFactory) -> Catalog:
    return build_catalog(write_catalog(tmp_path_factory.mktemp("catalog")))


@pytest.fixture
def rootfs(tmp_path: Path) -> Path:
    """A tiny, benign root filesystem folder."""
    root = tmp_path / "rootfs"
    (root / "etc").mkdir(parents=True)
    (root / "bin").mkdir()
    (root / "etc" / "passwd").write_text("root:x:0:0:root:/root:/bin/sh\n")
    (root / "etc" / "os-release").write_text('ID=testos\nVERSION_ID="1.0"\n')
    (root / "bin" / "busybox").write_bytes(b"\x7fELF" + b"\0" * 60)
    (root / "bin" / "sh").symlink_to("/bin/busybox")
    (root / "etc" / "rc.d").mkdir()
    (root / "etc" / "rc.d" / "S50httpd").write_text("#!/bin/sh\nhttpd -p 80\n")
    return root


def make_tar(path: Path, members: Sequence[tuple[tarfile.TarInfo, bytes | None]], mode: str = "w") -> Path:
    opener: Any = tarfile.open  # mode is a runtime string ("w", "w:gz", "w:xz")
    with opener(path, mode) as tar:
        for info, data in members:
            if data is not None:
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))
            else:
                tar.addfile(info)
    return path
