"""Schemathesis against the published OpenAPI spec: no generated request may cause a server error.

Requests carry an admin bearer token so the fuzzer reaches the admin handlers, not just the 401 guard.
Schemathesis's own pytest plugin does not run under this pytest version, so its per-operation hypothesis
strategies are driven directly: valid (positive) and invalid (negative) inputs for every operation.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

schemathesis = pytest.importorskip("schemathesis")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis.errors import Unsatisfiable  # noqa: E402
from schemathesis.checks import not_a_server_error  # noqa: E402
from schemathesis.generation import GenerationMode  # noqa: E402

from securable.portal import ManualClock  # noqa: E402

from .conftest import START, Portal, build_portal, seed_product, settings_for  # noqa: E402


@pytest.fixture(scope="module")
def fuzz_portal(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Portal]:
    p = build_portal(settings_for(Path(tmp_path_factory.mktemp("fuzz"))), ManualClock(START))
    with p.client:
        seed_product(p)
        p.client.post(
            "/api/v1/reports", json={"title": "Open telnet", "description": "Telnet is open on 23."}
        )
        yield p
    p.app.state.engine.dispose()


def operations(app: Any, headers: dict[str, str] | None = None) -> list[Any]:
    schema = schemathesis.openapi.from_asgi("/openapi.json", app, headers=headers or {})
    return [result.ok() for result in schema.get_all_operations()]


def fuzz(app: Any, headers: dict[str, str], mode: GenerationMode, max_examples: int = 12) -> list[str]:
    """Run every operation's strategy; returns one line per operation that produced a server error."""
    failures: list[str] = []
    for operation in operations(app, headers):
        try:
            _runner(operation, headers, mode, max_examples)()
        except Unsatisfiable:
            continue  # nothing to make invalid (an operation without parameters or body)
        except Exception as exc:
            failures.append(f"{operation.label}: {exc}"[:500])
    return failures


def _runner(operation: Any, headers: dict[str, str], mode: GenerationMode, max_examples: int) -> Any:
    @settings(
        max_examples=max_examples, deadline=None, suppress_health_check=list(HealthCheck), database=None
    )
    @given(case=operation.as_strategy(generation_mode=mode))
    def run(case: Any) -> None:
        response = case.call(headers=headers)
        case.validate_response(response, checks=(not_a_server_error,))

    return run


def test_openapi_document_is_for_admins(fuzz_portal: Portal) -> None:
    assert fuzz_portal.client.get("/openapi.json").status_code == 401
    spec = fuzz_portal.client.get("/openapi.json", headers=fuzz_portal.auth).json()
    assert spec["openapi"].startswith("3.")
    assert "/api/v1/reports" in spec["paths"] and "/products/{slug}/product.json" in spec["paths"]
    assert len(operations(fuzz_portal.app, fuzz_portal.auth)) >= 30


def test_the_fuzzer_finds_a_server_error() -> None:
    """Guard: the harness reports a route that fails with 500."""
    from fastapi import FastAPI

    broken = FastAPI()

    @broken.get("/boom/{n}")
    def boom(n: int) -> dict[str, int]:
        return {"n": 1 // (n - n)}

    failures = fuzz(broken, {}, GenerationMode.POSITIVE, max_examples=3)
    assert len(failures) == 1 and "GET /boom/{n}" in failures[0]
    assert "division" in failures[0]  # the in-process transport re-raises the server-side exception


@pytest.mark.slow
@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=["valid", "invalid"])
def test_no_server_errors(fuzz_portal: Portal, mode: GenerationMode) -> None:
    assert fuzz(fuzz_portal.app, fuzz_portal.auth, mode) == []
