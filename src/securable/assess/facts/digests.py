"""SHA-256 of every file of the image, as a consumer of the shared byte pass.

The signed evidence bundle (``--bundle``) maps the image with each file's SHA-256. Hashing in a
walk of its own read every byte of the image a second time after the assessment had read it
once; as a matcher of the pass (:mod:`.content`) each file is hashed from the read the other
matchers share. ``hashlib`` releases the GIL on large buffers, so the pass's threads hash in
parallel. Files larger than :data:`DIGEST_LIMIT` are not held in memory whole: the pass gives
them only up to the limit, this matcher reports nothing for them, and the bundle streams them.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from securable.assess.model import ImageFile

__all__ = ["DIGEST_LIMIT", "FILE_DIGESTS", "FileDigest", "FileDigestMatcher"]

DIGEST_LIMIT = 64 * 1024 * 1024


@dataclass(frozen=True)
class FileDigest:
    path: str
    sha256: str


@dataclass(frozen=True)
class FileDigestMatcher:
    """SHA-256 of each whole file the pass reads (only when the pass read all of it)."""

    name: str = "file-digests"
    limit: int = DIGEST_LIMIT

    def wants(self, entry: ImageFile) -> bool:
        return entry.size <= self.limit

    def scan(self, entry: ImageFile, data: bytes) -> list[FileDigest]:
        if len(data) != entry.size:
            return []  # truncated or changed under us: the bundle hashes it by streaming
        return [FileDigest(entry.path, hashlib.sha256(data).hexdigest())]


FILE_DIGESTS = FileDigestMatcher()
