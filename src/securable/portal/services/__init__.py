"""The portal's operations, shared by the JSON API and the server-rendered pages, one module per record type.

Each function takes a database session, the settings and ``now`` (injected time), changes rows, and raises
a :class:`~securable.errors.PortalError` subclass that names the problem and its fix. Callers commit;
operations of several steps run inside :func:`~securable.portal.services.common.atomic` so a failing step
leaves nothing half-done.
"""

from __future__ import annotations

from securable.portal.services.advisories import (
    allocate_tracking_id,
    create_advisory,
    credited_reporters,
    get_advisory,
    get_published,
    publish_advisory,
    published_documents,
    release_history,
    render_advisory,
    update_advisory,
)
from securable.portal.services.common import ConflictError, NotFoundError, atomic
from securable.portal.services.products import (
    add_version,
    attach_assessment,
    create_product,
    generate_sbom,
    get_product,
    get_version,
    product_purl,
    update_product,
    upload_sbom,
)
from securable.portal.services.reports import (
    PAGE_SIZE,
    CasePage,
    case_view,
    find_report,
    get_case,
    list_cases,
    receipt_view,
    submit_report,
)
from securable.portal.services.reviews import (
    ForbiddenError,
    InvalidUploadError,
    ReviewItem,
    decide,
    export_decisions,
    get_review,
    grant_review,
    open_count,
    review_items,
    reviewable_products,
    reviews_of,
    upload_review,
)
from securable.portal.services.vulnerabilities import (
    add_statement,
    component_ref,
    create_vulnerability,
    current_statements,
    get_vulnerability,
    product_ref,
    to_statement,
    version_vex,
)

__all__ = [
    "PAGE_SIZE",
    "CasePage",
    "ConflictError",
    "ForbiddenError",
    "InvalidUploadError",
    "NotFoundError",
    "ReviewItem",
    "add_statement",
    "add_version",
    "allocate_tracking_id",
    "atomic",
    "attach_assessment",
    "case_view",
    "component_ref",
    "create_advisory",
    "create_product",
    "create_vulnerability",
    "credited_reporters",
    "current_statements",
    "decide",
    "export_decisions",
    "find_report",
    "generate_sbom",
    "get_advisory",
    "get_case",
    "get_product",
    "get_published",
    "get_review",
    "get_version",
    "get_vulnerability",
    "grant_review",
    "list_cases",
    "open_count",
    "product_purl",
    "product_ref",
    "publish_advisory",
    "published_documents",
    "receipt_view",
    "release_history",
    "render_advisory",
    "review_items",
    "reviewable_products",
    "reviews_of",
    "submit_report",
    "to_statement",
    "update_advisory",
    "update_product",
    "upload_review",
    "upload_sbom",
    "version_vex",
]
