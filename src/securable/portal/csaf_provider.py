"""CSAF 2.0 provider publication (CSAF section 7): metadata, directory layout, ROLIE feed, hashes.

Released documents are frozen (their exact text is stored and hashed once); everything here is derived
from those rows, so the served tree and an exported static tree are the same bytes. Layout:

    /.well-known/csaf/provider-metadata.json
    /.well-known/csaf/white/index.txt, changes.csv, <YYYY>/<file>.json(.sha256|.sha512)
    /.well-known/csaf/white/csaf-feed-tlp-white.json   (ROLIE)

No OpenPGP signatures are made, so the role is ``csaf_provider`` (not trusted provider).
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Any

from securable.portal.clock import as_utc, rfc3339
from securable.portal.models import PublishedDocument
from securable.portal.settings import PortalSettings

WELL_KNOWN = "/.well-known/csaf"
TLP_DIR = "white"
FEED_NAME = "csaf-feed-tlp-white.json"


def filename(tracking_id: str) -> str:
    """CSAF 5.1: lower-case the tracking ID and replace every run of other characters by ``_``."""
    return re.sub(r"[^+\-a-z0-9]+", "_", tracking_id.lower()) + ".json"


def hashes(text: str) -> tuple[str, str]:
    data = text.encode("utf-8")
    return hashlib.sha256(data).hexdigest(), hashlib.sha512(data).hexdigest()


def hash_file(digest: str, path: str) -> str:
    """The ``sha256sum``-compatible companion file body."""
    return f"{digest}  {path.rsplit('/', 1)[-1]}\n"


def directory_url(settings: PortalSettings) -> str:
    return settings.url(f"{WELL_KNOWN}/{TLP_DIR}/")


def provider_metadata(
    settings: PortalSettings, docs: list[PublishedDocument], *, now_text: str
) -> dict[str, Any]:
    last = max((as_utc(d.current_release_at) for d in docs), default=None)
    return {
        "canonical_url": settings.url(f"{WELL_KNOWN}/provider-metadata.json"),
        "distributions": [
            {
                "directory_url": directory_url(settings),
                "rolie": {
                    "feeds": [
                        {
                            "summary": f"All TLP:WHITE advisories of {settings.publisher_name}.",
                            "tlp_label": "WHITE",
                            "url": settings.url(f"{WELL_KNOWN}/{TLP_DIR}/{FEED_NAME}"),
                        }
                    ]
                },
            }
        ],
        "last_updated": rfc3339(last) if last else now_text,
        "list_on_CSAF_aggregators": True,
        "metadata_version": "2.0",
        "mirror_on_CSAF_aggregators": True,
        "public_openpgp_keys": [],
        "publisher": {
            "category": "vendor",
            "contact_details": settings.publisher_contact,
            "name": settings.publisher_name,
            "namespace": settings.publisher_namespace,
        },
        "role": "csaf_provider",
    }


def _newest_first(docs: list[PublishedDocument]) -> list[PublishedDocument]:
    return sorted(docs, key=lambda d: (as_utc(d.current_release_at), d.path), reverse=True)


def index_txt(docs: list[PublishedDocument]) -> str:
    return "".join(f"{d.path}\n" for d in sorted(docs, key=lambda d: d.path))


def changes_csv(docs: list[PublishedDocument], history: dict[str, list[str]] | None = None) -> str:
    """CSAF 2.0 requirement 13: ``"path","current_release_date"`` per release, newest first.

    ``history`` maps a path to the release dates (RFC 3339) of earlier revisions, so updates show up as
    changes too (the standard's example lists a document once per release).
    """
    rows: set[tuple[str, str]] = {(rfc3339(d.current_release_at), d.path) for d in docs}
    for path, dates in (history or {}).items():
        rows.update((date, path) for date in dates)
    return "".join(f'"{path}","{date}"\n' for date, path in sorted(rows, reverse=True))


def rolie_feed(settings: PortalSettings, docs: list[PublishedDocument], *, now_text: str) -> dict[str, Any]:
    base = settings.url(f"{WELL_KNOWN}/{TLP_DIR}/")
    entries = []
    for d in _newest_first(docs):
        url = base + d.path
        entries.append(
            {
                "id": d.tracking_id,
                "title": d.title,
                "link": [
                    {"rel": "self", "href": url},
                    {"rel": "hash", "href": url + ".sha256"},
                    {"rel": "hash", "href": url + ".sha512"},
                ],
                "published": rfc3339(d.initial_release_at),
                "updated": rfc3339(d.current_release_at),
                "summary": {"content": d.title},
                "content": {"type": "application/json", "src": url},
                "format": {
                    "schema": "https://docs.oasis-open.org/csaf/csaf/v2.0/csaf_json_schema.json",
                    "version": "2.0",
                },
            }
        )
    updated = rfc3339(max(as_utc(d.current_release_at) for d in docs)) if docs else now_text
    feed_prefix = re.sub(r"[^a-z0-9]+", "-", settings.publisher_name.lower()).strip("-") or "csaf"
    return {
        "feed": {
            "id": f"{feed_prefix}-csaf-feed-tlp-white",
            "title": f"{settings.publisher_name} CSAF feed (TLP:WHITE)",
            "link": [{"rel": "self", "href": base + FEED_NAME}],
            "category": [{"scheme": "urn:ietf:params:rolie:category:information-type", "term": "csaf"}],
            "updated": updated,
            "entry": entries,
        }
    }


def export_tree(
    settings: PortalSettings,
    docs: list[PublishedDocument],
    out: Path,
    *,
    now_text: str,
    history: dict[str, list[str]] | None = None,
) -> list[Path]:
    """Write the provider tree as static files (for any web server); returns the files written."""
    root = out / ".well-known" / "csaf"
    white = root / TLP_DIR
    written: list[Path] = []

    def put(path: Path, text: str) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        written.append(path)

    put(
        root / "provider-metadata.json",
        json.dumps(provider_metadata(settings, docs, now_text=now_text), indent=2) + "\n",
    )
    for d in docs:
        put(white / d.path, d.content)
        put(white / (d.path + ".sha256"), hash_file(d.sha256, d.path))
        put(white / (d.path + ".sha512"), hash_file(d.sha512, d.path))
    put(white / "index.txt", index_txt(docs))
    put(white / "changes.csv", changes_csv(docs, history))
    put(white / FEED_NAME, json.dumps(rolie_feed(settings, docs, now_text=now_text), indent=2) + "\n")
    return written
