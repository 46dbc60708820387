"""The FastAPI application: ``create_app(settings)`` migrates the database and wires routes and middleware."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from securable import __version__
from securable.device.access import Throttle
from securable.errors import PortalError, UsageError
from securable.portal import db as portal_db
from securable.portal import security
from securable.portal.admin_products import admin_products
from securable.portal.api import api, published
from securable.portal.clock import Clock, system_clock
from securable.portal.pages import TEMPLATES, pages
from securable.portal.review import review_api, review_pages
from securable.portal.services import ConflictError, ForbiddenError, NotFoundError
from securable.portal.settings import PortalSettings
from securable.portal.web import ApiAdmin, PortalState

STATIC = Path(__file__).resolve().parent / "static"


def _status_for(exc: PortalError) -> int:
    if isinstance(exc, NotFoundError):
        return 404
    if isinstance(exc, ForbiddenError):
        return 403
    if isinstance(exc, ConflictError):
        return 409
    if isinstance(exc, UsageError):
        return 400
    return 422


HTML_MESSAGES = {
    404: "There is no page at this address.",
    405: "This address does not take that kind of request.",
    429: "Too many requests from your address; wait a minute and try again.",
}
MACHINE_SUFFIXES = (".json", ".txt", ".csv", ".svg", ".sha256", ".sha512")


def _wants_html(request: Request) -> bool:
    """A person's browser on a page address, not a client of the API or of a published file."""
    path = request.url.path
    if path.startswith(("/api/", "/.well-known/")) or path.endswith(MACHINE_SUFFIXES):
        return False
    return "text/html" in request.headers.get("accept", "")


def _readable(error: Any) -> str:
    """Pydantic's message, minus the raw regular expression a pattern mismatch would show."""
    if error.get("type") == "string_pattern_mismatch":
        return "String is not in the expected format"
    return str(error.get("msg", ""))


def create_app(settings: PortalSettings, *, clock: Clock = system_clock) -> FastAPI:
    """Build the portal. The database is migrated to the newest schema before the first request."""
    settings.data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    engine = portal_db.make_engine(settings.db_url)
    portal_db.migrate(engine)
    app = FastAPI(
        title="securable manufacturer portal",
        version=__version__,
        description=(
            "Vulnerability intake, PSIRT cases with SLA and CRA clocks, CSAF/OpenVEX/CycloneDX VEX, "
            "SBOMs and product pages with the FCC Cyber Trust Mark registry fields."
        ),
        docs_url=None,  # the Swagger/ReDoc pages load scripts from a CDN
        redoc_url=None,
        openapi_url=None,  # served below, to admins only
    )
    app.state.portal = PortalState(
        settings=settings,
        sessions=portal_db.session_factory(engine),
        clock=clock,
        limiter=security.RateLimiter(),
        throttle=Throttle(settings.login_throttle),
    )
    app.state.engine = engine
    app.add_middleware(security.BodyLimit, max_bytes=settings.max_body_bytes)
    app.add_middleware(security.SecurityHeaders, hsts=settings.public_url.startswith("https://"))
    if settings.trusted_proxies:  # outermost, so every limit sees the forwarded client address
        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=list(settings.trusted_proxies))

    @app.exception_handler(PortalError)
    async def portal_error(request: Request, exc: PortalError) -> Response:
        code = _status_for(exc)
        if request.url.path.startswith(("/api/", "/.well-known/")) or request.url.path.endswith(".json"):
            return JSONResponse({"detail": str(exc)}, status_code=code)
        return TEMPLATES.TemplateResponse(
            request, "error.html", {"settings": settings, "message": str(exc)}, status_code=code
        )

    def error_page(
        request: Request, message: str, code: int, headers: Mapping[str, str] | None = None
    ) -> Response:
        return TEMPLATES.TemplateResponse(
            request,
            "error.html",
            {"settings": settings, "message": message},
            status_code=code,
            headers=headers,
        )

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if _wants_html(request):
            message = HTML_MESSAGES.get(exc.status_code, str(exc.detail))
            return error_page(request, message, exc.status_code, exc.headers)
        return JSONResponse({"detail": exc.detail}, status_code=exc.status_code, headers=exc.headers)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> Response:
        errors = [{"loc": [str(p) for p in e.get("loc", ())], "msg": _readable(e)} for e in exc.errors()]
        if _wants_html(request):
            where = ", ".join(e["loc"][-1] for e in errors if e["loc"]) or "the request"
            return error_page(request, f"This address is not valid ({where}); check the link.", 422)
        return JSONResponse({"detail": errors}, status_code=422)

    @app.get("/openapi.json", include_in_schema=False)
    def openapi(who: ApiAdmin) -> JSONResponse:
        """The API description, for admins only: it maps every admin endpoint and its inputs, which is
        documentation for our own tools, not for the public (the public API is the published files)."""
        return JSONResponse(app.openapi())

    @app.get("/static/portal.css", include_in_schema=False)
    def css() -> Response:
        return Response((STATIC / "portal.css").read_bytes(), media_type="text/css")

    @app.get("/favicon.ico", include_in_schema=False)
    def favicon() -> Response:
        return Response(status_code=204)

    app.include_router(api)
    app.include_router(published)
    app.include_router(pages)
    app.include_router(admin_products)
    app.include_router(review_api)
    app.include_router(review_pages)
    return app
