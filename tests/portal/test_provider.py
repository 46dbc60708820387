"""CSAF provider publication: metadata, ROLIE feed, directory layout, hashes — checked by published schemas
and by the ``csaf`` package's provider-tree audit."""

from __future__ import annotations

import csv
import hashlib
import json
from pathlib import Path

import csaf
import jsonschema
from referencing import Registry, Resource

from .conftest import Portal, csaf_validate_cli, load_schema
from .test_workflow import run_case_to_disclosure

CSAF_SCHEMA = Path(csaf.__file__).resolve().parent / "csaf" / "v20" / "schema" / "csaf.json"


def provider_validator() -> jsonschema.Draft202012Validator:
    document_schema = json.loads(CSAF_SCHEMA.read_text())
    registry: Registry = Registry().with_resource(
        document_schema["$id"], Resource.from_contents(document_schema)
    )
    return jsonschema.Draft202012Validator(
        load_schema("csaf_2.0_provider_json_schema.json"),
        registry=registry,
        format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER,
    )


def test_provider_metadata_and_rolie_feed_pass_their_schemas(portal: Portal) -> None:
    run_case_to_disclosure(portal)
    metadata = portal.client.get("/.well-known/csaf/provider-metadata.json").json()
    errors = sorted(str(e.message) for e in provider_validator().iter_errors(metadata))
    assert errors == []
    assert metadata["role"] == "csaf_provider"
    feed_url = metadata["distributions"][0]["rolie"]["feeds"][0]["url"]
    feed = portal.client.get(feed_url).json()
    jsonschema.Draft202012Validator(
        load_schema("csaf_2.0_ROLIE_feed_json_schema.json"),
        format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER,
    ).validate(feed)
    entry = feed["feed"]["entry"][0]
    doc = portal.client.get(entry["content"]["src"]).content
    hash_links = [link["href"] for link in entry["link"] if link["rel"] == "hash"]
    assert portal.client.get(hash_links[0]).text.split()[0] == hashlib.sha256(doc).hexdigest()
    assert portal.client.get(hash_links[1]).text.split()[0] == hashlib.sha512(doc).hexdigest()


def test_provider_schema_is_live() -> None:
    """The vendored schema rejects metadata without a role or with a wrong version."""
    bad = {"canonical_url": "https://x.example/provider-metadata.json", "metadata_version": "1.0"}
    assert len(list(provider_validator().iter_errors(bad))) >= 2


def test_security_txt_points_at_policy_and_csaf(portal: Portal) -> None:
    text = portal.client.get("/.well-known/security.txt")
    assert text.headers["content-type"] == "text/plain; charset=utf-8"
    fields = [line.split(": ", 1) for line in text.text.splitlines()]
    names = [name for name, _ in fields]
    assert names.count("Expires") == 1 and "Contact" in names
    values = dict(fields)
    assert values["CSAF"] == "https://portal.acme.example/.well-known/csaf/provider-metadata.json"
    assert values["Policy"] == "https://portal.acme.example/policy"
    policy = portal.client.get("/policy").text
    assert f"within <strong>{portal.settings.ack_days} days</strong>" in policy
    assert f"every <strong>{portal.settings.update_days} days</strong>" in policy


def test_exported_static_tree_passes_the_csaf_provider_audit(portal: Portal, tmp_path: Path) -> None:
    run_case_to_disclosure(portal)
    from securable.portal import csaf_provider, services

    with portal.app.state.portal.sessions() as db:
        files = csaf_provider.export_tree(
            portal.settings,
            services.published_documents(db),
            tmp_path,
            now_text="2026-12-01T00:00:00Z",
            history=services.release_history(db),
        )
    white = tmp_path / ".well-known" / "csaf" / "white"
    assert (white / "2026" / "acme-sa-2026-0001.json.sha512").exists()
    result = csaf.audit_tree(str(white))
    assert result.advisory_count == 1
    assert result.errors == []
    # The audit follows CSAF 2.1, whose changes.csv puts the date first; CSAF 2.0 (requirement 13, what we
    # publish) puts the path first. Year folders and index.txt must pass as they are; changes.csv is
    # checked against the 2.0 rule below.
    assert [v for v in result.violations if v.rule != "changes-csv"] == []
    rows = list(csv.reader((white / "changes.csv").read_text().splitlines()))
    assert all((white / path).is_file() for path, _ in rows)
    assert [date for _, date in rows] == sorted((date for _, date in rows), reverse=True)
    # the exported bytes are the served bytes
    served = portal.client.get("/.well-known/csaf/white/2026/acme-sa-2026-0001.json").content
    assert (white / "2026" / "acme-sa-2026-0001.json").read_bytes() == served
    validation = csaf_validate_cli([white / "2026" / "acme-sa-2026-0001.json"])
    assert validation.returncode == 0, validation.stdout
    assert len(files) == 7


def test_audit_detects_a_broken_tree(portal: Portal, tmp_path: Path) -> None:
    """Guard that the audit can fail: an index line for a missing file."""
    run_case_to_disclosure(portal)
    from securable.portal import csaf_provider, services

    with portal.app.state.portal.sessions() as db:
        csaf_provider.export_tree(portal.settings, services.published_documents(db), tmp_path, now_text="x")
    white = tmp_path / ".well-known" / "csaf" / "white"
    (white / "2026" / "acme-sa-2026-0001.json").unlink()
    result = csaf.audit_tree(str(white))
    assert [v for v in result.violations if v.rule != "changes-csv"] != []


def test_filename_rule() -> None:
    from securable.portal.csaf_provider import filename

    assert filename("ACME-SA-2026-0001") == "acme-sa-2026-0001.json"
    assert filename("Acme SA/2026:01") == "acme_sa_2026_01.json"
