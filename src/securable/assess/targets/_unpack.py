"""Unpack a firmware archive into a private temporary folder, treating every byte as hostile.

Two strategies, chosen so that no name from the archive ever becomes a path we write to:

* **tar / tar.gz / tar.xz / tar.bz2** — read member by member (streaming). Only regular-file
  *contents* are written, each to a numbered blob (``blobs/17``) created with ``O_EXCL`` and
  ``O_NOFOLLOW``; directories, symlinks, hard links, device nodes and FIFOs exist only in the index.
  A member whose name climbs out with ``..``, or whose parent is not a directory in the index, is
  skipped and reported. Absolute names are taken as relative to the image root (that is what they
  mean inside a firmware image). An archive that ends without its end-of-archive marker (cut at
  a block boundary, which :mod:`tarfile` would otherwise take as the end) is refused as truncated.
* **squashfs** — ``unsquashfs -no-xattrs`` into ``root/`` of the private folder (squashfs-tools
  4.5.1+ refuses names that escape and writing through symlinks). Its listing is checked first
  (entry count, total size, no ``..`` names), and afterwards the tree is re-walked with ``lstat``:
  device nodes, FIFOs and sockets are indexed and then removed from disk.

Every strategy runs under :class:`UnpackLimits` — entries, bytes and wall time — checked while
unpacking, so an archive bomb stops at the cap with a message naming it and the environment
variable that raises it.

Python's own tar ``data`` filter is not used on purpose: it strips setuid/setgid and group/other
write bits and refuses absolute symlinks and device nodes, which are exactly the facts the firmware
checks must see. Our own member checks above give the same safety without losing them.
"""

from __future__ import annotations

import os
import stat
import subprocess
import tarfile
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import IO, Self

from securable.assess.model import FileKind, ImageFile
from securable.errors import FirmwareImageError, UsageError

_SQUASHFS_MAGIC = (b"hsqs", b"sqsh")
_FIX_SQUASHFS = "check the image with `unsquashfs -s`, or unpack it and pass the folder with --firmware DIR"
_FIX_TRUNCATED = (
    "get a complete copy of the image (compare its size or checksum with the source), "
    "or pass the unpacked folder with --firmware DIR"
)
# The environment variable that raises each cap (no command-line option exists for them).
ENV_VARS = {
    "max_entries": "SECURABLE_UNPACK_MAX_ENTRIES",
    "max_total_bytes": "SECURABLE_UNPACK_MAX_BYTES",
    "max_file_bytes": "SECURABLE_UNPACK_MAX_FILE_BYTES",
    "max_seconds": "SECURABLE_UNPACK_MAX_SECONDS",
    "expansion": "SECURABLE_UNPACK_EXPANSION",
    "max_depth": "SECURABLE_UNPACK_MAX_DEPTH",
    "min_blob_bytes": "SECURABLE_UNPACK_MIN_BLOB_BYTES",
}


def _fix_cap(cap: str) -> str:
    return (
        f"unpack the image yourself and pass the folder with --firmware DIR, or raise the cap "
        f"(UnpackLimits.{cap}, environment variable {ENV_VARS[cap]})"
    )


_FIX_BOMB = _fix_cap("max_total_bytes")


@dataclass(frozen=True)
class UnpackLimits:
    """Bounds on what unpacking may cost. Defaults fit real router/camera images with room to spare.

    ``max_total_bytes`` bounds the uncompressed tar stream (what must be decompressed, stored or
    not) and the apparent size of a squashfs image; ``max_seconds`` the wall time of unpacking.
    Each can be raised without code through the environment (:data:`ENV_VARS`, read by
    :meth:`from_env`).
    """

    max_entries: int = 500_000
    max_total_bytes: int = 4 * 1024**3
    max_file_bytes: int = 64 * 1024**2  # per tar member; the rest of a bigger member is not stored
    max_seconds: float = 600.0
    # Vendor blobs (opened through unblob): what extraction may write on disk, as a multiple of
    # the blob's size (at least BLOB_MIN_BYTES), and how deep containers may nest.
    expansion: int = 20
    max_depth: int = 10
    min_blob_bytes: int = 256 * 1024**2

    def blob_bytes(self, blob_size: int) -> int:
        """The cap on bytes a blob's extraction may write: ``expansion`` × its size, at least
        ``min_blob_bytes`` (small blobs legitimately hold well-compressed filesystems)."""
        return max(self.expansion * blob_size, self.min_blob_bytes)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> UnpackLimits:
        """The defaults, with any cap the environment sets (``SECURABLE_UNPACK_MAX_BYTES=…``)."""
        env = os.environ if environ is None else environ
        values: dict[str, float | int] = {}
        for f in fields(cls):
            raw = env.get(ENV_VARS[f.name], "").strip()
            if not raw:
                continue
            try:
                value = float(raw) if f.name == "max_seconds" else int(raw)
            except ValueError:
                value = -1
            if value <= 0:
                raise UsageError(
                    f"{ENV_VARS[f.name]}={raw!r} is not a positive number",
                    diagnostics=f"set {ENV_VARS[f.name]} to a positive "
                    + ("number of seconds" if f.name == "max_seconds" else "integer")
                    + " or unset it",
                )
            values[f.name] = value
        return cls(**values)  # type: ignore[arg-type]


def size_text(n: float) -> str:
    """``1.5 MiB``: a byte count for people."""
    return _size(n)


def _size(n: float) -> str:
    for unit in ("bytes", "KiB", "MiB", "GiB"):
        if n < 1024 or unit == "GiB":
            return f"{n:.0f} {unit}" if unit == "bytes" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} GiB"


class _Deadline:
    """The wall-time cap of one unpacking; :meth:`check` raises once it has passed."""

    def __init__(self, source: Path, limits: UnpackLimits) -> None:
        self.source = source
        self.seconds = limits.max_seconds
        self.end = time.monotonic() + limits.max_seconds

    def check(self) -> None:
        if time.monotonic() > self.end:
            raise FirmwareImageError(
                f"unpacking firmware archive '{self.source}' took longer than {self.seconds:g} s "
                "(UnpackLimits.max_seconds); stopped as a possible archive bomb",
                diagnostics=_fix_cap("max_seconds"),
            )


@dataclass
class Unpacked:
    """The index built while unpacking plus where each regular file's bytes live."""

    index: dict[str, ImageFile] = field(default_factory=dict)
    blobs: dict[str, str] = field(default_factory=dict)  # image path -> blob file name (tar only)
    notes: list[str] = field(default_factory=list)  # hostile or odd entries that were skipped


_TAR_MAGIC_OFFSET = 257  # "ustar" in the first header block (POSIX and GNU tar)
_COMPRESSED = {b"\x1f\x8b": "gz", b"BZh": "bz2", b"\xfd7zXZ\x00": "xz"}


def _tar_head(path: Path, head: bytes) -> bytes:
    """The first 512 bytes of the tar stream: decompressed when the file is gzip, bzip2 or xz."""
    for magic, kind in _COMPRESSED.items():
        if head.startswith(magic):
            import bz2
            import gzip
            import lzma

            opener: Callable[[Path, str], IO[bytes]] = {  # type: ignore[assignment]
                "gz": gzip.open,
                "bz2": bz2.open,
                "xz": lzma.open,
            }[kind]
            try:
                with opener(path, "rb") as fh:
                    return bytes(fh.read(512))
            except (OSError, EOFError, lzma.LZMAError):
                return b""
    return head


def sniff_format(path: Path) -> str:
    """``dir``, ``squashfs``, ``tar`` or ``blob`` (anything else: opened through unblob).

    Identified by magic at the right offsets, never by trying a parser: ``tarfile.is_tarfile``
    says yes to an ext4 image (its first block is zeros, which tar reads as the end marker), so a
    tar archive must carry ``ustar`` at offset 257 of its (decompressed) first block.
    """
    try:
        mode = path.stat().st_mode
    except OSError as exc:
        raise FirmwareImageError(
            f"firmware image '{path}' cannot be read ({exc.strerror})",
            diagnostics="check the path given to --firmware and its permissions",
        ) from None
    if stat.S_ISDIR(mode):
        return "dir"
    if not stat.S_ISREG(mode):
        raise FirmwareImageError(
            f"firmware image '{path}' is not a regular file or a folder (a device, FIFO or socket)",
            diagnostics="pass the image file or the unpacked root folder with --firmware",
        )
    try:
        with path.open("rb") as fh:
            head = fh.read(512)
    except OSError as exc:
        raise FirmwareImageError(
            f"firmware image '{path}' cannot be read ({exc.strerror})",
            diagnostics="check the path given to --firmware and its permissions",
        ) from None
    if head[:4] in _SQUASHFS_MAGIC:
        return "squashfs"
    if _tar_head(path, head)[_TAR_MAGIC_OFFSET : _TAR_MAGIC_OFFSET + 5] == b"ustar":
        return "tar"
    return "blob"


def split_member_name(name: str) -> list[str] | None:
    """The components of an archive member name inside the image root, or None if it climbs out.

    Leading ``/`` and ``./`` are dropped (absolute names mean "from the image root"); ``..`` anywhere
    is refused rather than normalised, because a benign archive never needs it.
    """
    parts = [p for p in name.split("/") if p not in ("", ".")]
    if any(p == ".." for p in parts):
        return None
    return parts


def _image_path(parts: list[str]) -> str:
    return "/" + "/".join(parts)


def _add_parents(out: Unpacked, parts: list[str]) -> bool:
    """Create implicit parent directories; False if a parent exists but is not a directory."""
    for depth in range(1, len(parts)):
        parent = _image_path(parts[:depth])
        existing = out.index.get(parent)
        if existing is None:
            out.index[parent] = ImageFile(parent, FileKind.DIRECTORY, stat.S_IFDIR | 0o755, 0)
        elif existing.kind is not FileKind.DIRECTORY:
            return False
    return True


_CHUNK = 1 << 20


def _copy_bounded(src: IO[bytes], fd: int, limit: int, deadline: _Deadline) -> int:
    written = 0
    while written < limit:
        deadline.check()
        chunk = src.read(min(_CHUNK, limit - written))
        if not chunk:
            break
        view = memoryview(chunk)
        while view:
            n = os.write(fd, view)
            view = view[n:]
        written += len(chunk)
    return written


def _drain(src: IO[bytes], deadline: _Deadline) -> None:
    """Read (and drop) the rest of a member in large chunks, under the deadline.

    Left to :mod:`tarfile`, skipping a member decompresses it in 10 KiB steps with no way to stop.
    """
    while True:
        deadline.check()
        if not src.read(_CHUNK):
            return


_HEADER_ERRORS = {
    "EOFHeaderError": "marker",  # a zero block: the proper end
    "EmptyHeaderError": "it ends without the end-of-archive marker",
    "TruncatedHeaderError": "it ends inside a member header",
}


class _EndOfArchive:
    """Why :mod:`tarfile` stopped reading headers: ``marker`` for the proper end, else what went wrong.

    :mod:`tarfile` ends iteration silently on a missing, short or garbled header after the first
    member; the archive's own end-of-archive marker (a zero block) is the only proof it is whole.
    """

    def __init__(self) -> None:
        self.reason = ""

    def tarinfo_class(self) -> type[tarfile.TarInfo]:
        watch = self

        class WatchedTarInfo(tarfile.TarInfo):
            @classmethod
            def fromtarfile(cls, tar: tarfile.TarFile) -> Self:
                try:
                    return super().fromtarfile(tar)
                except tarfile.HeaderError as exc:  # its subclasses are not in the typing stubs
                    watch.reason = _HEADER_ERRORS.get(
                        type(exc).__name__, f"a member header is damaged ({exc})"
                    )
                    raise

        return WatchedTarInfo


def unpack_tar(archive: Path, workdir: Path, limits: UnpackLimits) -> Unpacked:
    """Index a tar archive and store its regular files' bytes as numbered blobs under ``workdir/blobs``."""
    blob_dir = workdir / "blobs"
    blob_dir.mkdir(mode=0o700)
    out = Unpacked()
    out.index["/"] = ImageFile("/", FileKind.DIRECTORY, stat.S_IFDIR | 0o755, 0)
    count = 0
    blob_count = 0
    deadline = _Deadline(archive, limits)
    end = _EndOfArchive()
    try:
        with tarfile.open(archive, mode="r|*", bufsize=_CHUNK, tarinfo=end.tarinfo_class()) as tar:
            for member in tar:
                deadline.check()
                count += 1
                if count > limits.max_entries:
                    raise FirmwareImageError(
                        f"firmware archive '{archive}' has more than {limits.max_entries} entries "
                        "(UnpackLimits.max_entries); refused as a possible archive bomb",
                        diagnostics=_fix_cap("max_entries"),
                    )
                # tar.offset is where the next header starts in the uncompressed stream: what
                # reading this member through costs, whether its bytes are stored or skipped.
                if tar.offset > limits.max_total_bytes:
                    raise FirmwareImageError(
                        f"firmware archive '{archive}' unpacks to over {_size(limits.max_total_bytes)} "
                        f"({limits.max_total_bytes} bytes, UnpackLimits.max_total_bytes); "
                        "refused as a possible archive bomb",
                        diagnostics=_FIX_BOMB,
                    )
                parts = split_member_name(member.name)
                if parts is None:
                    out.notes.append(
                        f"skipped archive member climbing out of the image root: {member.name!r}"
                    )
                    continue
                if not parts:
                    continue  # the root itself
                path = _image_path(parts)
                if not _add_parents(out, parts):
                    out.notes.append(f"skipped archive member below a non-directory: {member.name!r}")
                    continue
                existing = out.index.get(path)
                if existing is not None and existing.kind is FileKind.DIRECTORY and not member.isdir():
                    out.notes.append(f"skipped archive member replacing a directory: {member.name!r}")
                    continue
                perm = member.mode & 0o7777
                uid, gid = member.uid, member.gid
                if member.isdir():
                    out.index[path] = ImageFile(
                        path, FileKind.DIRECTORY, stat.S_IFDIR | perm, 0, uid=uid, gid=gid
                    )
                elif member.issym():
                    out.index[path] = ImageFile(
                        path,
                        FileKind.SYMLINK,
                        stat.S_IFLNK | 0o777,
                        len(member.linkname),
                        link=member.linkname,
                        uid=uid,
                        gid=gid,
                    )
                elif member.islnk():
                    target_parts = split_member_name(member.linkname)
                    target = _image_path(target_parts) if target_parts else None
                    if target is None or target not in out.blobs:
                        out.notes.append(f"skipped hard link to a missing or unsafe member: {member.name!r}")
                        continue
                    out.blobs[path] = out.blobs[target]
                    size = out.index[target].size
                    out.index[path] = ImageFile(
                        path, FileKind.FILE, stat.S_IFREG | perm, size, uid=uid, gid=gid
                    )
                elif member.isreg():
                    src = tar.extractfile(member)
                    blob_count += 1
                    name = str(blob_count)
                    keep = min(member.size, limits.max_file_bytes)
                    fd = os.open(blob_dir / name, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
                    try:
                        if src is not None:
                            _copy_bounded(src, fd, keep, deadline)
                    finally:
                        os.close(fd)
                    if src is not None and member.size > keep and not member.issparse():
                        _drain(src, deadline)  # sparse holes cost nothing to skip; data does
                    if member.size > keep:
                        out.notes.append(
                            f"stored only the first {keep} bytes of a large member: {member.name!r}"
                        )
                    out.blobs[path] = name
                    out.index[path] = ImageFile(
                        path, FileKind.FILE, stat.S_IFREG | perm, member.size, uid=uid, gid=gid
                    )
                else:
                    kind_bits = {
                        tarfile.CHRTYPE: stat.S_IFCHR,
                        tarfile.BLKTYPE: stat.S_IFBLK,
                        tarfile.FIFOTYPE: stat.S_IFIFO,
                    }.get(member.type, 0)
                    out.index[path] = ImageFile(path, FileKind.OTHER, kind_bits | perm, 0, uid=uid, gid=gid)
                if out.index[path].kind is not FileKind.FILE:
                    out.blobs.pop(path, None)  # a later member replaced an earlier file
    except (tarfile.TarError, EOFError, OSError) as exc:
        raise FirmwareImageError(
            f"firmware archive '{archive}' is damaged or unreadable ({exc})",
            diagnostics="check the archive (e.g. `tar tvf`) or pass the unpacked folder with --firmware DIR",
        ) from None
    if end.reason != "marker":
        raise FirmwareImageError(
            f"firmware archive '{archive}' looks truncated: {end.reason or 'it ends early'}, "
            f"after {count} members",
            diagnostics=_FIX_TRUNCATED,
        )
    return out


def _squashfs_listing(image: Path, limits: UnpackLimits) -> None:
    """Check the listing before extracting: entry count, apparent size, and no name that climbs out."""
    try:
        proc = subprocess.run(
            ["unsquashfs", "-lln", "-d", "", str(image)],
            capture_output=True,
            timeout=limits.max_seconds,
            check=False,
        )
    except FileNotFoundError:
        raise FirmwareImageError(
            "squashfs images need `unsquashfs`, which is not installed",
            diagnostics="install squashfs-tools (apt-get install squashfs-tools) or pass the unpacked folder",
        ) from None
    except subprocess.TimeoutExpired:
        raise FirmwareImageError(
            f"listing squashfs image '{image}' took longer than {limits.max_seconds:g} s "
            "(UnpackLimits.max_seconds)",
            diagnostics=_fix_cap("max_seconds"),
        ) from None
    if proc.returncode != 0:
        reason = proc.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or ["unknown error"]
        raise FirmwareImageError(
            f"squashfs image '{image}' cannot be read ({reason[0]})",
            diagnostics=_FIX_SQUASHFS,
        )
    lines = proc.stdout.splitlines()
    if len(lines) > limits.max_entries:
        raise FirmwareImageError(
            f"squashfs image '{image}' has more than {limits.max_entries} entries "
            "(UnpackLimits.max_entries); refused as a bomb",
            diagnostics=_fix_cap("max_entries"),
        )
    total = 0
    for line in lines:
        fields = line.split(None, 5)
        if len(fields) >= 3 and fields[2].isdigit() and line[:1] == b"-":
            total += int(fields[2])
        name = fields[5] if len(fields) == 6 else b""
        if line[:1] == b"l":
            name = name.split(b" -> ", 1)[0]
        if b"/../" in name + b"/" or name.startswith(b"../"):
            raise FirmwareImageError(
                f"squashfs image '{image}' has an entry that climbs out of its root; refused as hostile",
                diagnostics="do not trust this image; inspect it by hand",
            )
    if total > limits.max_total_bytes:
        raise FirmwareImageError(
            f"squashfs image '{image}' unpacks to more than {_size(limits.max_total_bytes)} "
            f"({limits.max_total_bytes} bytes, UnpackLimits.max_total_bytes); refused",
            diagnostics=_FIX_BOMB,
        )


def unpack_squashfs(image: Path, workdir: Path, limits: UnpackLimits) -> Path:
    """Extract with ``unsquashfs`` into ``workdir/root`` and return that folder."""
    started = time.monotonic()
    _squashfs_listing(image, limits)
    root = workdir / "root"
    try:
        proc = subprocess.run(
            ["unsquashfs", "-no-xattrs", "-no-progress", "-d", str(root), str(image)],
            capture_output=True,
            timeout=max(0.0, limits.max_seconds - (time.monotonic() - started)),
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise FirmwareImageError(
            f"unpacking squashfs image '{image}' took longer than {limits.max_seconds:g} s "
            "(UnpackLimits.max_seconds)",
            diagnostics=_fix_cap("max_seconds"),
        ) from None
    # exit 2 = non-fatal errors (e.g. device nodes it could not create as a normal user): keep going.
    if proc.returncode not in (0, 2) or not root.is_dir():
        reason = proc.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or ["unknown error"]
        raise FirmwareImageError(
            f"squashfs image '{image}' could not be unpacked ({reason[0]})",
            diagnostics=_FIX_SQUASHFS,
        )
    return root


def walk_tree(root: Path, limits: UnpackLimits) -> Iterator[tuple[str, os.stat_result, str | None]]:
    """Yield ``(image path, lstat, link target)`` for every entry below ``root``, never following links.

    Iterative and bounded by ``limits.max_entries``; names keep undecodable bytes (surrogateescape).
    """
    count = 0
    stack = [("", os.fspath(root))]
    while stack:
        rel, host = stack.pop()
        try:
            it = os.scandir(host)
        except OSError:
            continue
        with it:
            for entry in it:
                count += 1
                if count > limits.max_entries:
                    raise FirmwareImageError(
                        f"firmware folder '{root}' has more than {limits.max_entries} entries "
                        "(UnpackLimits.max_entries)",
                        diagnostics=f"point --firmware at the root filesystem only, or raise the cap "
                        f"({ENV_VARS['max_entries']})",
                    )
                path = f"{rel}/{entry.name}"
                try:
                    st = entry.stat(follow_symlinks=False)
                except OSError:
                    continue
                link = None
                if stat.S_ISLNK(st.st_mode):
                    try:
                        link = os.readlink(entry.path)  # noqa: PTH115 - str in, str out, no Path churn
                    except OSError:
                        link = ""
                elif stat.S_ISDIR(st.st_mode):
                    stack.append((path, entry.path))
                yield path, st, link
