"""Builders for the web checks' fixture cases (``tests/assess/checks/web.*/*/case.py``)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from securable.assess.facts import FirmwareView
from securable.assess.model import TargetKind
from securable.assess.targets import Declaration, FirmwareImage
from securable.assess.targets.web import BACKEND, PRESENCE, Web, WebLimits, WebSite
from tests.assess.checks._fixtures import Case
from tests.assess.web import servers

__all__ = ["declaration", "servers", "web_case"]


def declaration(support_end: str | None = None, **sections: Any) -> Declaration:
    data: dict[str, Any] = {
        "schema": "securable/product/v1",
        "product": {"name": "Acme Cam", "manufacturer": "Acme Devices"},
        **sections,
    }
    if support_end is not None:
        data["support"] = {"end": support_end}
    return Declaration.from_mapping(data, ref="product.yaml")


def web_case(
    served: servers.Served,
    *,
    roles: Sequence[str] = (PRESENCE, BACKEND),
    auth_paths: Sequence[str] = (),
    product_page: str | None = None,
    decl: Declaration | None = None,
    rootfs: Path | None = None,
    vulndb: Path | None = None,
    limits: WebLimits | None = None,
) -> Case:
    """The web target of one served site (trusting the test CA), with the run's other targets."""
    limits = limits or WebLimits(ca_file=servers.test_tls().ca)
    site = WebSite(
        served.url,
        roles=roles,
        limits=limits,
        auth_paths=auth_paths,
        product_page=served.url + product_page if product_page else None,
    )
    web = Web((site,))
    others: dict[TargetKind, Any] = {}
    closers: list[Any] = [web.close]
    if decl is not None:
        others[TargetKind.DECLARATION] = decl
    if rootfs is not None:
        image = FirmwareImage.open(rootfs, vulndb=vulndb)
        others[TargetKind.FIRMWARE] = FirmwareView(image)
        closers.append(image.close)

    def cleanup() -> None:
        for close in closers:
            close()

    return Case(web, others, vulndb=vulndb, cleanup=cleanup)
