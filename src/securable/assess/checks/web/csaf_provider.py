"""``web.csaf-provider``: the CSAF provider metadata is published and valid."""

from __future__ import annotations

import functools
import importlib.util
import json
from collections.abc import Iterator
from importlib import resources
from pathlib import Path
from typing import Any

from securable.assess.check import Remediation
from securable.assess.checks.web._common import PRESENCE, WebCheck, why_not
from securable.assess.model import Finding, Severity, Verdict
from securable.assess.targets.web import WebSite, json_of

MAX_ERRORS = 20


def _csaf_document_schema() -> Path:
    """The CSAF 2.0 document schema file of the installed ``csaf`` package, found without importing
    it: importing ``csaf`` sets up the root logger at INFO on stderr for the whole process."""
    spec = importlib.util.find_spec("csaf")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the csaf package is not installed (pip install 'securable[assess]')")
    return Path(next(iter(spec.submodule_search_locations))) / "csaf" / "v20" / "schema" / "csaf.json"


@functools.cache
def provider_validator() -> Any:
    """The CSAF 2.0 provider-metadata schema (shipped), with the CSAF 2.0 document schema from the
    installed ``csaf`` package for the ``publisher`` it refers to — the portal tests' validator."""
    import jsonschema
    from referencing import Registry, Resource

    document = json.loads(_csaf_document_schema().read_text("utf-8"))
    schema = json.loads(
        resources.files("securable.assess.data")
        .joinpath("csaf/provider_json_schema_2.0.json")
        .read_text("utf-8")
    )
    registry: Registry[Any] = Registry().with_resource(document["$id"], Resource.from_contents(document))
    return jsonschema.Draft202012Validator(
        schema, registry=registry, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )


def metadata_problems(doc: Any, fetched_from: str) -> list[str]:
    """Schema errors of a CSAF 2.0 provider-metadata document, and a ``canonical_url`` that is not
    where it was fetched from (CSAF 2.0 §7.1.7)."""
    errors = sorted(provider_validator().iter_errors(doc), key=lambda e: list(e.absolute_path))
    problems = [
        f"/{'/'.join(str(p) for p in e.absolute_path)}: {e.message}"[:300] for e in errors[:MAX_ERRORS]
    ]
    canonical = doc.get("canonical_url") if isinstance(doc, dict) else None
    if isinstance(canonical, str) and canonical != fetched_from:
        problems.append(f"canonical_url {canonical} is not the URL it was fetched from ({fetched_from})")
    return problems


class CsafProviderCheck(WebCheck):
    """The site publishes CSAF provider metadata (``/.well-known/csaf/provider-metadata.json``, or
    where security.txt's ``CSAF:`` points on the same host) that passes the CSAF 2.0 provider
    schema — the validator the portal's own tests use — and names its own URL as ``canonical_url``.

    Machine-readable advisories are how customers, scanners and national CSIRTs learn of a
    vulnerability and its fix without reading web pages; the provider metadata is their entry
    point. Only CSAF 2.0 metadata is validated (what ``securable.portal`` publishes); other
    versions are ``inconclusive``. Fix a failure by serving the portal's provider metadata or
    correcting the fields the schema names.
    """

    id = "web.csaf-provider"
    title = "CSAF provider metadata is published and valid"
    severity = Severity.MEDIUM
    roles = frozenset({PRESENCE})
    remediation = Remediation(
        summary="Publish CSAF 2.0 provider metadata at /.well-known/csaf/provider-metadata.json (the "
        "portal does) and name it in security.txt with a CSAF: line.",
        example="CSAF: https://example.com/.well-known/csaf/provider-metadata.json",
        references=("nistir8425:ID-1d", "cra:II.4", "CSAF 2.0 §7.1.7"),
    )

    def check_site(self, site: WebSite) -> Iterator[Finding]:
        resp = site.provider_metadata
        loc = site.location(resp.path)
        doc = json_of(resp)
        if doc is None:
            reason = why_not(resp) if not resp.ok else "not JSON"
            yield self.finding(
                Verdict.FAIL,
                f"no CSAF provider metadata at {site.provider_metadata_url} ({reason})",
                location=loc,
                evidence={"url": site.provider_metadata_url, "status": resp.status},
            )
            return
        version = doc.get("metadata_version") if isinstance(doc, dict) else None
        if version != "2.0":
            yield self.finding(
                Verdict.INCONCLUSIVE,
                f"{resp.url}: metadata_version {version!r}; only CSAF 2.0 provider metadata is validated",
                location=loc,
                evidence={"url": resp.url, "metadata_version": version},
            )
            return
        problems = metadata_problems(doc, resp.url)
        evidence = {
            "url": resp.url,
            "role": doc.get("role"),
            "publisher": (doc.get("publisher") or {}).get("name")
            if isinstance(doc.get("publisher"), dict)
            else None,
            "problems": problems,
        }
        if problems:
            yield self.finding(
                Verdict.FAIL,
                f"{resp.url} is not valid CSAF 2.0 provider metadata: {'; '.join(problems[:3])}",
                location=loc,
                evidence=evidence,
            )
        else:
            yield self.finding(
                Verdict.PASS,
                f"{resp.url} is valid CSAF 2.0 provider metadata (role {doc.get('role')})",
                location=loc,
                evidence=evidence,
            )
