"""Resumable image download over HTTP ``Range`` requests.

ngclient's ``download_target`` always fetches a target from byte 0 into a temporary file and
copies it afterwards; an interrupted multi-megabyte download on a slow link starts over. Here
the device asks ngclient only for the *verified target description* (length and hashes, after
the full metadata workflow) and fetches the bytes itself into a staging file named after the
target's hash, continuing with ``Range: bytes=<have>-`` after an interruption.

Safety does not depend on the transport: the staging file is checked with python-tuf's own
``TargetFile.verify_length_and_hashes`` before anything is installed, a response may never grow
the file past the signed length (endless-data attack), and a staging file that fails the check
is deleted so the next attempt starts clean.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import urllib3

from securable.device.update._tuf import FetcherInterface
from securable.device.update._tuf import exceptions as tuf_exc

CHUNK = 1 << 20
_CONTENT_RANGE = re.compile(r"^bytes (\d+)-(\d+)/(\d+|\*)$")


@dataclass(frozen=True)
class DownloadResult:
    path: Path
    resumed_from: int  # bytes that were already on disk when this attempt started
    fetched: int  # bytes received in this attempt


def new_pool(timeout: float = 30.0) -> urllib3.PoolManager:
    """One connection pool for metadata and images; no redirects (a repository has no reason to)."""
    return urllib3.PoolManager(
        retries=urllib3.Retry(total=2, redirect=0, raise_on_status=False),
        timeout=urllib3.Timeout(connect=timeout, read=timeout),
    )


class PoolFetcher(FetcherInterface):
    """ngclient metadata fetcher over a shared urllib3 pool.

    Unlike the default fetcher, a response abandoned half-way (ngclient stops reading once a
    file exceeds its length cap) has its socket closed at once rather than left to the
    garbage collector.
    """

    def __init__(self, pool: urllib3.PoolManager) -> None:
        self.pool = pool

    def _fetch(self, url: str) -> Iterator[bytes]:
        try:
            response = self.pool.request("GET", url, preload_content=False, redirect=False)
        except urllib3.exceptions.HTTPError as exc:
            raise tuf_exc.DownloadError(f"failed to download {url}: {exc}") from exc
        if response.status != 200:
            response.close()
            raise tuf_exc.DownloadHTTPError(f"{url} answered HTTP {response.status}", response.status)
        return self._chunks(response, url)

    @staticmethod
    def _chunks(response: urllib3.BaseHTTPResponse, url: str) -> Iterator[bytes]:
        try:
            yield from response.stream(CHUNK)
        except urllib3.exceptions.HTTPError as exc:
            raise tuf_exc.DownloadError(f"download of {url} was interrupted: {exc}") from exc
        finally:
            response.close()
            response.release_conn()


class RangeDownloader:
    """Fetch a URL into a file, continuing a previous partial download when the server allows."""

    def __init__(self, *, timeout: float = 30.0, pool: urllib3.PoolManager | None = None) -> None:
        self.pool = pool or new_pool(timeout)

    def download(
        self,
        url: str,
        dest: Path,
        max_length: int,
        *,
        progress: Callable[[int], None] | None = None,
    ) -> DownloadResult:
        """Bring ``dest`` to at most ``max_length`` bytes of ``url``.

        Raises:
            tuf.api.exceptions.DownloadLengthMismatchError: the server sent more than
                ``max_length`` bytes in total (the partial file is removed).
            tuf.api.exceptions.DownloadHTTPError: the server answered with an error status.
            tuf.api.exceptions.DownloadError: the connection failed.
        """
        dest.parent.mkdir(parents=True, exist_ok=True)
        have = dest.stat().st_size if dest.exists() else 0
        if have > max_length:
            dest.unlink()
            have = 0
        if have == max_length:
            return DownloadResult(dest, have, 0)
        headers = {"Range": f"bytes={have}-"} if have else {}
        try:
            response = self.pool.request("GET", url, headers=headers, preload_content=False, redirect=False)
        except urllib3.exceptions.HTTPError as exc:
            raise tuf_exc.DownloadError(f"failed to download {url}: {exc}") from exc
        try:
            start = self._start_offset(response, have, url)
            resumed_from = start
            fetched = 0
            with dest.open("r+b" if start else "wb") as out:
                out.seek(start)
                out.truncate()
                total = start
                for chunk in response.stream(CHUNK):
                    total += len(chunk)
                    if total > max_length:
                        out.close()
                        dest.unlink()
                        raise tuf_exc.DownloadLengthMismatchError(
                            f"{url} sent more than the signed length of {max_length} bytes"
                        )
                    out.write(chunk)
                    fetched += len(chunk)
                    if progress is not None:
                        out.flush()  # what progress reports is on disk, so a resume starts there
                        progress(total)
                out.flush()
                os.fsync(out.fileno())
        except urllib3.exceptions.HTTPError as exc:
            raise tuf_exc.DownloadError(f"download of {url} was interrupted: {exc}") from exc
        finally:
            response.close()
            response.release_conn()
        return DownloadResult(dest, resumed_from, fetched)

    @staticmethod
    def _start_offset(response: urllib3.BaseHTTPResponse, have: int, url: str) -> int:
        """Where the body of ``response`` starts in the file (0 when the server ignored the range)."""
        if response.status == 200:
            return 0
        if response.status == 206 and have:
            match = _CONTENT_RANGE.match(response.headers.get("Content-Range", ""))
            if match and int(match.group(1)) == have:
                return have
            raise tuf_exc.DownloadError(f"{url}: the server answered a different range than asked")
        raise tuf_exc.DownloadHTTPError(f"{url} answered HTTP {response.status}", response.status)
