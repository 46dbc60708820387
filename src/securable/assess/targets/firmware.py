"""The firmware-image target: one read-only, index-backed view of a root filesystem.

:meth:`FirmwareImage.open` accepts a folder, a tar archive (plain, gz, xz, bz2), a squashfs
image, or any other firmware file (a vendor blob: uImage, TRX, UBI, JFFS2, ext4, cpio, archives in
archives…), which is opened through unblob into a :class:`~.blob.FirmwareMap` of chunks and root
filesystems (see :mod:`.blob`). Archives and blobs are unpacked into a private temporary folder
(see :mod:`._unpack`); folders are read in place. Either way the image is walked **once** into an
index of :class:`ImageFile` entries, and every check queries that index.

Guarantees that hold for hostile images:

* **Chrooted links.** Paths are resolved by our own resolver over the index, never by the host
  kernel: an absolute link target means "from the image root", and ``..`` stops at the root. A
  link can therefore never lead outside the image, and link loops end after 40 hops.
* **No special files opened.** Device nodes, FIFOs and sockets are indexed as
  :attr:`FileKind.OTHER` and never opened; every open uses ``O_NOFOLLOW | O_NONBLOCK`` component by
  component from a directory descriptor, and the opened descriptor is ``fstat``-checked to be a
  regular file before a byte is read.
* **Bounded reads.** :meth:`read_bytes` reads at most ``limit`` bytes (1 MiB by default), so a 20 GiB
  sparse file costs no more than a small one.
* **Names kept.** Undecodable bytes in names stay in the ``str`` paths as surrogate escapes (as
  ``os`` does); the reports escape them for display.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import shutil
import stat
import tempfile
import threading
from collections import OrderedDict, defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from types import TracebackType

from securable.assess.model import FileKind, ImageFile, TargetKind
from securable.assess.targets._unpack import (
    Unpacked,
    UnpackLimits,
    sniff_format,
    unpack_squashfs,
    unpack_tar,
    walk_tree,
)
from securable.assess.targets.blob import BlobProgress, FirmwareMap, Metadata, extract_blob
from securable.errors import FirmwareImageError

__all__ = ["DEFAULT_READ_LIMIT", "FirmwareImage", "UnpackLimits"]

DEFAULT_READ_LIMIT = 1 << 20  # 1 MiB
_MAX_LINK_HOPS = 40
_DIR_CACHE = 64
_O_READ = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)
_O_DIR = os.O_RDONLY | os.O_NOFOLLOW | os.O_DIRECTORY | getattr(os, "O_CLOEXEC", 0)


def _kind(mode: int) -> FileKind:
    if stat.S_ISREG(mode):
        return FileKind.FILE
    if stat.S_ISDIR(mode):
        return FileKind.DIRECTORY
    if stat.S_ISLNK(mode):
        return FileKind.SYMLINK
    return FileKind.OTHER


def _read_fd(fd: int, limit: int) -> bytes:
    chunks: list[bytes] = []
    left = limit
    while left > 0:
        chunk = os.read(fd, min(left, 1 << 20))
        if not chunk:
            break
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def _glob_regex(pattern: str) -> re.Pattern[str]:
    """Segment-wise glob: ``*``/``?``/``[...]`` stay inside one path segment; ``**`` spans any depth."""
    if not pattern.startswith("/"):
        pattern = "/" + pattern
    out: list[str] = []
    for segment in pattern.split("/")[1:]:
        if segment == "**":
            out.append("(?:/[^/]+)*")
            continue
        out.append("/")
        i = 0
        while i < len(segment):
            c = segment[i]
            if c == "*":
                out.append("[^/]*")
            elif c == "?":
                out.append("[^/]")
            elif c == "[":
                end = segment.find("]", i + 2 if segment[i + 1 : i + 2] in ("!", "]") else i + 1)
                if end == -1:
                    out.append(re.escape(c))
                else:
                    body = segment[i + 1 : end]
                    if body.startswith("!"):
                        body = "^" + body[1:]
                    out.append("[" + body.replace("\\", "\\\\").replace("/", "") + "]")
                    i = end
            else:
                out.append(re.escape(c))
            i += 1
    return re.compile("".join(out) + r"\Z", re.DOTALL)


class FirmwareImage:
    """A firmware image, opened once and read through its index. Implements ``ImageView``.

    Use as a context manager (or call :meth:`close`) so that an unpacked archive's temporary folder
    is removed. ``vulndb`` is the ``--vulndb`` folder of OSV records, carried here for the SBOM
    check; ``notes`` lists entries that were refused while unpacking (e.g. tar members with ``..``).
    """

    kind = TargetKind.FIRMWARE

    def __init__(
        self,
        ref: str,
        index: dict[str, ImageFile],
        *,
        tree_root: Path | None = None,
        blob_dir: Path | None = None,
        blobs: dict[str, str] | None = None,
        workdir: Path | None = None,
        fmt: str = "dir",
        notes: Iterable[str] = (),
        vulndb: Path | None = None,
    ) -> None:
        self.ref = ref
        self.format = fmt
        self.vulndb = vulndb
        self.notes: list[str] = list(notes)
        self._index = dict(sorted(index.items()))
        self._children: dict[str, list[str]] = defaultdict(list)
        for path in self._index:
            if path != "/":
                self._children[path.rsplit("/", 1)[0] or "/"].append(path)
        self._tree_root = tree_root
        self._blob_dir = blob_dir
        self._blobs = blobs or {}
        self._workdir = workdir
        self._closed = False
        # Directory descriptors opened (component by component, O_NOFOLLOW) below tree_root, kept
        # in a small LRU so that reading many files in one folder does not re-walk the path.
        self._dir_fds: OrderedDict[str, int] = OrderedDict()
        self._lock = threading.Lock()
        #: For a vendor blob: what it holds (chunks, unknown regions, root filesystems); else None.
        self.firmware_map: FirmwareMap | None = None
        #: For a vendor blob: each root filesystem found, by name, as an image of its own. The blob
        #: itself reads as the first of them (or as an empty image when none was found).
        self.root_filesystems: list[tuple[str, FirmwareImage]] = []

    # --- construction -----------------------------------------------------------------------

    @classmethod
    def open(
        cls,
        path: str | os.PathLike[str],
        *,
        vulndb: Path | None = None,
        limits: UnpackLimits | None = None,
        progress: Callable[[BlobProgress], None] | None = None,
    ) -> FirmwareImage:
        """Open a folder, tar archive, squashfs image or vendor blob; raises :class:`FirmwareImageError`
        for bad input (a missing or unreadable path). A blob in which nothing is recognised opens
        as an image with no root filesystem: valid input that could not be seen into.

        ``limits`` default to :meth:`UnpackLimits.from_env` (the defaults, raised by environment);
        ``progress`` hears about a blob's extraction while it runs.
        """
        limits = limits or UnpackLimits.from_env()
        source = Path(path)
        if not source.exists():
            raise FirmwareImageError(
                f"firmware image '{source}' does not exist", diagnostics="check the path given to --firmware"
            )
        fmt = sniff_format(source)
        if fmt == "dir":
            return cls._from_tree(str(source), source.resolve(), fmt, None, [], vulndb, limits)
        workdir = Path(tempfile.mkdtemp(prefix="securable-fw-"))  # mode 0700, ours alone
        try:
            if fmt == "tar":
                unpacked: Unpacked = unpack_tar(source, workdir, limits)
                return cls(
                    str(source),
                    unpacked.index,
                    blob_dir=workdir / "blobs",
                    blobs=unpacked.blobs,
                    workdir=workdir,
                    fmt=fmt,
                    notes=unpacked.notes,
                    vulndb=vulndb,
                )
            if fmt == "squashfs":
                root = unpack_squashfs(source, workdir, limits)
                return cls._from_tree(str(source), root, fmt, workdir, [], vulndb, limits, scrub=True)
            return cls._from_blob(source, workdir, vulndb, limits, progress)
        except BaseException:
            _remove_tree(workdir)
            raise

    @classmethod
    def _from_blob(
        cls,
        source: Path,
        workdir: Path,
        vulndb: Path | None,
        limits: UnpackLimits,
        progress: Callable[[BlobProgress], None] | None,
    ) -> FirmwareImage:
        fmap = extract_blob(source, workdir, limits, progress)
        roots = [
            (
                fs.name,
                cls._from_tree(
                    f"{source} [{fs.name}]",
                    fs.path,
                    "blob",
                    None,
                    [],
                    vulndb,
                    limits,
                    scrub=True,
                    metadata=fmap.metadata,
                ),
            )
            for fs in fmap.roots
        ]
        notes = [fmap.summary()]
        if fmap.stopped:
            notes.append(f"extraction stopped: {fmap.stopped}")
        if not fmap.sandboxed:
            notes.append("extraction ran without unblob's Landlock sandbox (the kernel does not offer it)")
        notes.extend(fmap.notes)
        if roots:
            first = roots[0][1]
            image = cls(
                str(source),
                first._index,
                tree_root=first._tree_root,
                workdir=workdir,
                fmt="blob",
                notes=notes,
                vulndb=vulndb,
            )
        else:
            empty = workdir / "empty"
            empty.mkdir(mode=0o700)
            st = os.lstat(empty)
            index = {"/": ImageFile("/", FileKind.DIRECTORY, st.st_mode, 0, st.st_uid, st.st_gid)}
            image = cls(
                str(source), index, tree_root=empty, workdir=workdir, fmt="blob", notes=notes, vulndb=vulndb
            )
        image.firmware_map = fmap
        image.root_filesystems = roots
        return image

    @classmethod
    def _from_tree(
        cls,
        ref: str,
        root: Path,
        fmt: str,
        workdir: Path | None,
        notes: list[str],
        vulndb: Path | None,
        limits: UnpackLimits,
        *,
        scrub: bool = False,
        metadata: Mapping[str, Metadata] | None = None,
    ) -> FirmwareImage:
        """Index the folder ``root``; ``metadata`` (a blob's extraction records, by host path) gives
        the mode, owner and link target the extractor wrote, before unblob's fix-ups changed them."""
        st = os.lstat(root)
        index = {"/": ImageFile("/", FileKind.DIRECTORY, st.st_mode, 0, st.st_uid, st.st_gid)}
        if metadata:
            kept = metadata.get(os.fspath(root))
            if kept is not None and stat.S_IFMT(kept.mode) == stat.S_IFMT(st.st_mode):
                index["/"] = ImageFile("/", FileKind.DIRECTORY, kept.mode, 0, kept.uid, kept.gid)
        base = os.fspath(root)
        for path, est, link in walk_tree(root, limits):
            kind = _kind(est.st_mode)
            size = est.st_size if kind in (FileKind.FILE, FileKind.SYMLINK) else 0
            mode, uid, gid = est.st_mode, est.st_uid, est.st_gid
            if metadata:
                kept = metadata.get(base + path)
                if kept is not None and stat.S_IFMT(kept.mode) == stat.S_IFMT(mode):
                    mode, uid, gid = kept.mode, kept.uid, kept.gid
                    if kind is FileKind.SYMLINK and kept.link is not None:
                        link = kept.link
                        size = len(os.fsencode(link))
            index[path] = ImageFile(path, kind, mode, size, uid, gid, link)
            if scrub and kind is FileKind.OTHER:
                # Our own unpacked copy: device nodes and FIFOs have no business on our disk.
                with contextlib.suppress(OSError):
                    (root / path.lstrip("/")).unlink()
        return cls(ref, index, tree_root=root, workdir=workdir, fmt=fmt, notes=notes, vulndb=vulndb)

    def close(self) -> None:
        for _name, root in self.root_filesystems:
            root.close()
        with self._lock:
            for fd in self._dir_fds.values():
                os.close(fd)
            self._dir_fds.clear()
        if not self._closed and self._workdir is not None:
            _remove_tree(self._workdir)
        self._closed = True

    def __enter__(self) -> FirmwareImage:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    # --- index queries (ImageView) ----------------------------------------------------------

    def files(self) -> Iterable[ImageFile]:
        """Every entry, sorted by path, including the root ``/``."""
        return self._index.values()

    def __len__(self) -> int:
        return len(self._index)

    def resolve(self, path: str, *, follow: bool = True) -> str | None:
        """The canonical image path of ``path`` with links resolved inside the root, or None.

        Intermediate links are always followed; the last one only when ``follow`` is true.
        """
        pending = [p for p in path.split("/") if p not in ("", ".")][::-1]
        current: list[str] = []
        hops = 0
        while pending:
            part = pending.pop()
            if part == "..":
                if current:
                    current.pop()
                continue
            candidate = "/" + "/".join([*current, part])
            entry = self._index.get(candidate)
            if entry is None:
                return None
            if entry.kind is FileKind.SYMLINK and (pending or follow):
                hops += 1
                if hops > _MAX_LINK_HOPS or not entry.link:
                    return None
                if entry.link.startswith("/"):
                    current = []
                pending.extend(p for p in reversed(entry.link.split("/")) if p not in ("", "."))
                continue
            if pending and entry.kind is not FileKind.DIRECTORY:
                return None
            current.append(part)
        return "/" + "/".join(current)

    def entry(self, path: str, *, follow: bool = False) -> ImageFile | None:
        """The entry at ``path`` (like ``lstat``: a final link is returned, not followed, by default)."""
        resolved = self.resolve(path, follow=follow)
        return None if resolved is None else self._index[resolved]

    def stat(self, path: str) -> ImageFile | None:
        """The entry ``path`` leads to after following links (like ``stat``)."""
        return self.entry(path, follow=True)

    def exists(self, path: str) -> bool:
        return self.resolve(path) is not None

    def children(self, path: str) -> list[ImageFile]:
        """Entries directly inside the directory ``path`` leads to (empty if it is not a directory)."""
        resolved = self.resolve(path)
        return [self._index[c] for c in self._children.get(resolved or "", [])]

    def glob(self, pattern: str) -> list[ImageFile]:
        """Entries whose literal index path matches ``pattern`` (``*`` within a segment, ``**`` any depth).

        Matching is on the paths as stored (links are not expanded), so each file is reported once.
        """
        rx = _glob_regex(pattern)
        return [e for p, e in self._index.items() if rx.match(p)]

    # --- reading ----------------------------------------------------------------------------

    def read_bytes(self, path: str, limit: int = DEFAULT_READ_LIMIT) -> bytes | None:
        """Up to ``limit`` bytes of the regular file ``path`` leads to; None if it is not one."""
        fd = self._open(path)
        if fd is None:
            return None
        try:
            return _read_fd(fd, limit)
        finally:
            os.close(fd)

    def read_text(self, path: str, limit: int = DEFAULT_READ_LIMIT) -> str | None:
        """:meth:`read_bytes` decoded as UTF-8 (undecodable bytes replaced)."""
        data = self.read_bytes(path, limit)
        return None if data is None else data.decode("utf-8", "replace")

    def iter_chunks(self, path: str, chunk_size: int = 1 << 20, limit: int | None = None) -> Iterator[bytes]:
        """Stream a regular file in chunks (for hashing whole files); reads each byte once."""
        fd = self._open(path)
        if fd is None:
            return
        try:
            left = limit
            while left is None or left > 0:
                chunk = os.read(fd, chunk_size if left is None else min(chunk_size, left))
                if not chunk:
                    break
                if left is not None:
                    left -= len(chunk)
                yield chunk
        finally:
            os.close(fd)

    def _dir_fd(self, dir_path: str) -> int:
        """A descriptor of the directory ``dir_path`` below the root (caller holds the lock)."""
        cached = self._dir_fds.get(dir_path)
        if cached is not None:
            self._dir_fds.move_to_end(dir_path)
            return cached
        if dir_path == "/":
            assert self._tree_root is not None
            fd = os.open(self._tree_root, _O_DIR)
        else:
            parent, name = dir_path.rsplit("/", 1)
            fd = os.open(name, _O_DIR, dir_fd=self._dir_fd(parent or "/"))
        self._dir_fds[dir_path] = fd
        if len(self._dir_fds) > _DIR_CACHE:
            _old, old_fd = self._dir_fds.popitem(last=False)
            os.close(old_fd)
        return fd

    def _open_beneath(self, image_path: str) -> int | None:
        """Open ``image_path`` below the root one component at a time, refusing any symlink on disk."""
        parent, name = image_path.rsplit("/", 1)
        if not name:
            return None
        with self._lock:
            try:
                return os.open(name, _O_READ, dir_fd=self._dir_fd(parent or "/"))
            except OSError as exc:
                if exc.errno in (errno.ELOOP, errno.ENXIO, errno.EACCES, errno.ENOENT, errno.ENOTDIR):
                    return None
                raise

    def _open(self, path: str) -> int | None:
        if self._closed:
            raise FirmwareImageError(
                f"firmware image '{self.ref}' is closed", diagnostics="read it inside its `with` block"
            )
        resolved = self.resolve(path)
        if resolved is None or self._index[resolved].kind is not FileKind.FILE:
            return None
        try:
            if self._tree_root is not None:
                fd = self._open_beneath(resolved)
            else:
                blob = self._blobs.get(resolved)
                if blob is None or self._blob_dir is None:
                    return None
                fd = os.open(self._blob_dir / blob, _O_READ)
        except OSError:
            return None
        if fd is None:
            return None
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            os.close(fd)
            return None
        return fd


def _remove_tree(path: Path) -> None:
    """Remove our temporary folder, even where unpacking left read-only directories."""
    if os.geteuid() != 0:  # root ignores permission bits; others must make directories writable first
        for dirpath, dirnames, _files in os.walk(path):
            for name in dirnames:
                full = Path(dirpath) / name
                if not full.is_symlink():
                    with contextlib.suppress(OSError):
                        full.chmod(0o700)
    shutil.rmtree(path, ignore_errors=True)
