"""The resumable downloader against real loopback servers, with and without Range support."""

from __future__ import annotations

import functools
import http.server
import os
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from securable.device.update import RangeDownloader, serve_in_thread
from securable.device.update._tuf import exceptions

pytestmark = pytest.mark.integration


@pytest.fixture
def payload(tmp_path: Path) -> bytes:
    data = os.urandom(300_000)
    (tmp_path / "www").mkdir()
    (tmp_path / "www" / "blob").write_bytes(data)
    return data


@pytest.fixture
def plain_server(tmp_path: Path) -> Iterator[str]:
    """The standard library's file server: it ignores Range and always answers 200."""

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            return None

    handler = functools.partial(Quiet, directory=str(tmp_path / "www"))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def test_resumes_with_range(tmp_path: Path, payload: bytes) -> None:
    dest = tmp_path / "blob.part"
    dest.write_bytes(payload[:123_456])
    with serve_in_thread(tmp_path / "www") as server:
        result = RangeDownloader().download(f"{server.url}/blob", dest, len(payload))
        assert server.requests_seen[-1][2] == "bytes=123456-"
    assert (result.resumed_from, result.fetched) == (123_456, len(payload) - 123_456)
    assert dest.read_bytes() == payload


def test_restarts_when_server_ignores_range(tmp_path: Path, payload: bytes, plain_server: str) -> None:
    dest = tmp_path / "blob.part"
    dest.write_bytes(b"garbage" * 100)
    result = RangeDownloader().download(f"{plain_server}/blob", dest, len(payload))
    assert result.resumed_from == 0 and dest.read_bytes() == payload


def test_caps_at_signed_length(tmp_path: Path, payload: bytes) -> None:
    dest = tmp_path / "blob.part"
    with serve_in_thread(tmp_path / "www") as server, pytest.raises(exceptions.DownloadLengthMismatchError):
        RangeDownloader().download(f"{server.url}/blob", dest, len(payload) - 1)
    assert not dest.exists()


@pytest.mark.usefixtures("payload")
def test_http_error_is_reported(tmp_path: Path) -> None:
    with serve_in_thread(tmp_path / "www") as server, pytest.raises(exceptions.DownloadHTTPError) as info:
        RangeDownloader().download(f"{server.url}/missing", tmp_path / "x.part", 10)
    assert info.value.status_code == 404
