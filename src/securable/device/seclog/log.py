"""``SecurityLog``: an append-only, tamper-evident security log in a directory.

Layout (all in ``directory``):

* ``segment-NNNNNNNN.jsonl`` — one record per line, canonical compact JSON with the fields
  ``index, time, event, outcome, principal, details, prev``. ``index`` is global across
  segments; ``prev`` is the RFC 6962 leaf hash of the previous line, so every record names its
  predecessor and a local edit, deletion, insertion or swap is pinned to one index.
  The Merkle leaf of a record is its line's exact bytes (without the newline).
* ``checkpoints.jsonl`` — signed checkpoints (tree size, root, time), written after the first
  record, every ``checkpoint_every`` records after the last one, at rotation, at export and on
  request.

The links pin *naive* tampering to an index; the signed checkpoints catch an attacker who
rewrites the file consistently (they cannot re-sign), to within one checkpoint interval;
a collector holding an exported checkpoint also catches a rolled-back or truncated log.
Records written after the last checkpoint are reported as *unsealed*: their integrity rests
on the links only until the next checkpoint. That is why verification with a public key
refuses a log whose records are not covered by any signed checkpoint, or whose unsealed tail
is longer than the checkpoint interval: an attacker who deletes ``checkpoints.jsonl`` and
re-links every ``prev`` has only produced such a log.

Sealing signs with the device key, and a keystore with the log attached records that signature
as a ``key.use`` event — in this same log, after the checkpoint it sealed. At rotation that
record is held back until the ``log.rotate`` record (which carries the checkpoint of exactly
the records before it) is written, so key-use logging never breaks the rotation chain.

Crash consistency: each record is one ``write`` of a complete line, flushed to the OS before
``record`` returns (``sync=True`` also fsyncs). A process killed mid-append leaves at most a
partial last line without its newline; verification ignores it (``torn_tail``) and reopening
the log cuts it off and records a ``log.recover`` event.
"""

from __future__ import annotations

import json
import os
import re
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from securable.device import _crypto
from securable.device.principal import Principal
from securable.device.seclog import merkle
from securable.device.seclog.checkpoint import Checkpoint, Signer, load_public_key, verify_checkpoint
from securable.device.seclog.events import SecurityEvent
from securable.errors import SecurityLogError

if TYPE_CHECKING:
    from securable.device.keystore import Keystore

__all__ = ["SecurityLog", "VerifyResult", "verify_log"]

_SEGMENT_RE = re.compile(r"^segment-(\d{8})\.jsonl$")
CHECKPOINTS = "checkpoints.jsonl"
#: The default ``checkpoint_every`` of :class:`SecurityLog`, and so the longest unsealed tail
#: :func:`verify_log` accepts with a public key unless told another interval.
DEFAULT_CHECKPOINT_EVERY = 1000
_ZERO = bytes(32)


def _utcnow() -> datetime:
    return datetime.now(UTC)


def _segment_name(number: int) -> str:
    return f"segment-{number:08d}.jsonl"


def _segments(directory: Path) -> list[Path]:
    found = [(int(m.group(1)), p) for p in directory.iterdir() if (m := _SEGMENT_RE.match(p.name))]
    return [p for _, p in sorted(found)]


def _principal_json(principal: Principal | str | None) -> dict[str, Any] | str | None:
    if isinstance(principal, Principal):
        return {"name": principal.name, "role": principal.role.value, "source": principal.source}
    return principal


def _encode(record: dict[str, Any]) -> bytes:
    return json.dumps(record, separators=(",", ":"), default=str, ensure_ascii=True).encode()


@dataclass(frozen=True)
class VerifyResult:
    """Outcome of :func:`verify_log`. ``first_bad_index`` is the first record that is not what was logged.

    ``covered`` is how many records (from the start) a checkpoint seals — a checkpoint with a
    valid signature when a public key was given; ``unsealed`` = ``size - covered``.
    """

    ok: bool
    size: int
    first_bad_index: int | None = None
    reason: str = ""
    checkpoint: Checkpoint | None = None
    unsealed: int = 0
    torn_tail: bool = False
    signed: bool = False
    problems: tuple[str, ...] = field(default=())
    covered: int = 0

    def __bool__(self) -> bool:
        return self.ok


def _read_lines(path: Path) -> tuple[list[bytes], bool]:
    """Complete lines of a segment, and whether a partial (torn) last line followed them."""
    data = path.read_bytes()
    if not data:
        return [], False
    lines = data.split(b"\n")
    tail = lines.pop()  # b"" when the file ends with a newline
    return lines, bool(tail)


def _read_checkpoints(directory: Path) -> list[Checkpoint]:
    path = directory / CHECKPOINTS
    if not path.exists():
        return []
    out = []
    for raw in path.read_bytes().split(b"\n"):
        if raw.strip():
            try:
                out.append(Checkpoint.from_json(json.loads(raw)))
            except (ValueError, SecurityLogError):
                continue  # a torn last checkpoint line; older ones still count
    return out


def _fail(index: int, reason: str, size: int, **kw: Any) -> VerifyResult:
    return VerifyResult(ok=False, size=size, first_bad_index=index, reason=reason, **kw)


def verify_log(
    directory: Path | str,
    public_key: _crypto.PublicKey | bytes | str | None = None,
    *,
    trusted_checkpoint: Checkpoint | None = None,
    max_unsealed: int | None = DEFAULT_CHECKPOINT_EVERY,
) -> VerifyResult:
    """Check every record, link and checkpoint of the log in ``directory`` (read-only).

    With ``public_key`` every checkpoint signature must verify (those carried by rotation
    records too), a log with records must have at least one valid signed checkpoint, and no
    more than ``max_unsealed`` records (the device's checkpoint interval; ``None`` for no
    limit) may follow the last one: records no signature covers could have been rewritten.
    Without a key signatures are not checked (``signed=False``). ``trusted_checkpoint`` (one a
    collector kept) must be matched by the log: this catches truncation of both the records
    and the checkpoint file.
    """
    directory = Path(directory)
    if not directory.is_dir():
        raise SecurityLogError(
            f"security log directory {directory} does not exist",
            diagnostics="pass the directory the device's SecurityLog writes to",
            exit_code=2,
        )
    key = load_public_key(public_key) if public_key is not None else None
    checkpoints = _read_checkpoints(directory)
    if trusted_checkpoint is not None:
        checkpoints.append(trusted_checkpoint)
    wanted = {cp.size for cp in checkpoints}
    roots: dict[int, bytes] = {0: merkle.EMPTY_ROOT} if 0 in wanted else {}
    tree = merkle.CompactRange()
    prev = _ZERO
    leaves: list[bytes] = []
    records: list[bytes] = []
    torn = False
    rotation_covered = 0
    segments = _segments(directory)
    for number, segment in enumerate(segments):
        lines, torn_here = _read_lines(segment)
        if torn_here and number != len(segments) - 1:
            return _fail(
                len(records) + len(lines), f"{segment.name} ends with a partial record", len(records)
            )
        torn = torn_here
        records.extend(lines)
    n = len(records)
    for p, line in enumerate(records):
        parsed = _index_and_link(line)
        if parsed is None:
            return _fail(p, f"record {p} is not a readable log record", p)
        index, link = parsed
        if index != p:
            if index < p:
                # A repeated index: either this record is a replayed copy, or the one before it was inserted.
                inserted = p >= 2 and link == leaves[p - 2]
                culprit = p - 1 if inserted else p
            else:
                culprit = p  # records are missing here, or were moved
            return _fail(
                culprit, f"record at position {p} claims index {index}: deleted, moved or inserted", p
            )
        if link != prev:
            # Either the previous record was edited, or this record's link was. Look one ahead:
            # if the next record still links to this one, this one is intact and p-1 was edited.
            nxt = _index_and_link(records[p + 1]) if p + 1 < n else None
            here = merkle.leaf_hash(line)
            culprit = p - 1 if nxt is None or nxt[1] == here else p
            return _fail(culprit, f"record {culprit} was altered (the chain breaks at {p})", p)
        if b'"event":"log.rotate"' in line:
            fits = _rotation_fits(line, p, tree, key)
            if fits is None:
                return _fail(p, f"rotation record {p} does not match the log before it", n)
            rotation_covered = max(rotation_covered, fits)
        leaf = merkle.leaf_hash(line)
        leaves.append(leaf)
        tree.append(leaf)
        if tree.size in wanted:
            roots[tree.size] = tree.root()
        prev = leaf
    latest: Checkpoint | None = None
    prev_size = 0
    for cp in sorted(checkpoints, key=lambda c: c.size):
        if key is not None and cp is not trusted_checkpoint and not verify_checkpoint(cp, key):
            return _fail(prev_size, f"checkpoint at size {cp.size} has no valid signature", n)
        if cp.size > n:
            return _fail(n, f"log truncated: a checkpoint covers {cp.size} records, only {n} remain", n)
        if roots.get(cp.size) != cp.root_hash:
            return _fail(
                prev_size,
                f"records {prev_size}..{cp.size - 1} were rewritten: root differs from the checkpoint",
                n,
            )
        prev_size = cp.size
        if latest is None or cp.size >= latest.size:
            latest = cp
    covered = max(latest.size if latest else 0, rotation_covered)
    if key is not None and n:
        problem = _coverage_problem(n, covered, max_unsealed)
        if problem:
            return _fail(covered, problem, n, checkpoint=latest, covered=covered, unsealed=n - covered)
    return VerifyResult(
        ok=True,
        size=n,
        checkpoint=latest,
        unsealed=n - covered,
        torn_tail=torn,
        signed=key is not None,
        covered=covered,
    )


def _coverage_problem(size: int, covered: int, max_unsealed: int | None) -> str:
    """Why a signed log's records are not (enough) covered by signed checkpoints, or ''."""
    summary = f"{covered} of {size} records are covered by a signed checkpoint"
    if covered == 0:
        return (
            f"no valid signed checkpoint: {summary}; a log whose checkpoints were removed "
            "could have been rewritten from its first record"
        )
    if max_unsealed is not None and size - covered > max_unsealed:
        return (
            f"{summary}; {size - covered} unsealed records exceed the checkpoint interval "
            f"({max_unsealed}): records {covered}..{size - 1} could have been rewritten"
        )
    return ""


_HEAD = b'{"index":'
_TAIL_LEN = len(',"prev":"') + 64 + len('"}')


def _index_and_link(line: bytes) -> tuple[int, bytes] | None:
    """The record's ``index`` and ``prev`` fields, read without a full JSON parse.

    Records are written in one canonical shape (``index`` first, ``prev`` last), so the fast
    path slices; anything else falls back to JSON and an edited shape is caught by the links.
    """
    try:
        if line.startswith(_HEAD) and line.endswith(b'"}') and line[-_TAIL_LEN:].startswith(b',"prev":"'):
            comma = line.index(b",", len(_HEAD))
            return int(line[len(_HEAD) : comma]), bytes.fromhex(line[-66:-2].decode())
        rec = json.loads(line)
        index = rec["index"]
        if not isinstance(index, int):
            return None
        return index, bytes.fromhex(rec["prev"])
    except (ValueError, KeyError, TypeError, UnicodeDecodeError):
        return None


def _rotation_fits(
    line: bytes, index: int, tree: merkle.CompactRange, key: _crypto.PublicKey | None
) -> int | None:
    """A rotation record must carry the checkpoint of exactly the records before it.

    Returns ``None`` when it does not (or, with ``key``, when its signature is present but
    invalid), else how many records it seals with a valid signature (0 when unsigned or when
    no key was given).
    """
    try:
        data = json.loads(line)["details"]["checkpoint"]
    except (ValueError, KeyError, TypeError):
        return None
    if not (isinstance(data, dict) and data.get("size") == index and data.get("root") == tree.root().hex()):
        return None
    if key is None or not data.get("signature"):
        return 0
    try:
        cp = Checkpoint.from_json(data)
    except SecurityLogError:
        return None
    return index if verify_checkpoint(cp, key) else None


def _keystore_signer(keystore: Keystore, key_id: str) -> Signer:
    def sign(data: bytes) -> bytes:
        return keystore.sign(key_id, data)

    return sign


class SecurityLog:
    """Append-only, Merkle-tree security log with signed checkpoints (see the module docstring).

    Sign checkpoints with the device identity key: pass ``keystore`` and ``key_id`` (the usual
    case), or a ``signer`` callable plus its ``public_key``. Without either, checkpoints are
    stored unsigned and only the links and roots protect the log.
    ``clock`` returns the current aware datetime (inject one in tests).
    """

    def __init__(
        self,
        directory: Path | str,
        *,
        keystore: Keystore | None = None,
        key_id: str | None = None,
        signer: Signer | None = None,
        public_key: _crypto.PublicKey | bytes | None = None,
        clock: Callable[[], datetime] = _utcnow,
        checkpoint_every: int = 1000,
        segment_max_records: int = 100_000,
        sync: bool = False,
    ) -> None:
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        if keystore is not None:
            if key_id is None:
                raise SecurityLogError("a keystore was given without key_id", exit_code=2)
            signer = _keystore_signer(keystore, key_id)
            public_key = keystore.public_key(key_id)
        if signer is not None and public_key is None:
            raise SecurityLogError(
                "a checkpoint signer needs its public key",
                diagnostics="pass public_key=… (PEM or key object) with signer=…",
                exit_code=2,
            )
        self._signer = signer
        self.public_key: _crypto.PublicKey | None = load_public_key(public_key) if public_key else None
        self._key_id = _crypto.public_key_fingerprint(self.public_key) if self.public_key else None
        self._clock = clock
        self.checkpoint_every = checkpoint_every
        self.segment_max_records = segment_max_records
        self._sync = sync
        self._lock = threading.RLock()
        self._sealing = False
        self._pending: list[tuple[str, str, Any, dict[str, Any]]] = []
        self._leaves: list[bytes] = []
        self._tree = merkle.CompactRange()
        self._prev = _ZERO
        self._segment_start = 0
        recovered = self._load()
        checkpoints = _read_checkpoints(self.directory)
        self._last_checkpoint: Checkpoint | None = checkpoints[-1] if checkpoints else None
        #: why the records found at start-up are not what the last signed checkpoint sealed
        self.start_up_problem = self._check_on_open()
        self._start_up_logged = True  # written with the first record after opening
        if self.start_up_problem:
            self._last_checkpoint = None  # never extend an unverifiable checkpoint: seal afresh
        self._file = self._segment_path.open("ab", buffering=0)
        if recovered:
            self.record(SecurityEvent.LOG_RECOVER, "info", partial_bytes=recovered)
        self._start_up_logged = not self.start_up_problem

    def _check_on_open(self) -> str:
        """Whether the records found at start-up are the ones the last signed checkpoint sealed.

        Without this, a log rewritten while the device was off (checkpoints deleted, ``prev``
        re-linked) would be sealed as it is by the device's next checkpoint.
        """
        if self.public_key is None:
            return ""
        last = self._last_checkpoint
        if last is None:
            # the first record is sealed as soon as it is written: more than one record and no
            # checkpoint is not something a power cut leaves
            return f"{self.size} records and no checkpoint" if self.size > 1 else ""
        if not verify_checkpoint(last, self.public_key):
            return f"the last checkpoint (size {last.size}) has no valid signature"
        if last.size > self.size:
            return f"truncated: the last checkpoint covers {last.size} records, {self.size} remain"
        if merkle.root_hash(self._leaves, last.size) != last.root_hash:
            return f"records before {last.size} differ from the last signed checkpoint"
        return ""

    def record_start_up_findings(self) -> None:
        """Write the ``log.tamper`` record for :attr:`start_up_problem`, once.

        The next seal will cover the records as they are now; this record, sealed with them,
        keeps the evidence that they were not what the device wrote. It is written with the
        first record (not while opening, when a keystore may still be attached to another log).
        """
        with self._lock:
            if self._start_up_logged or self._sealing:
                return
            self._start_up_logged = True
            self.record(SecurityEvent.LOG_TAMPER, "failure", reason=self.start_up_problem, size=self.size)

    # --- opening -------------------------------------------------------------------------------

    def _load(self) -> int:
        segments = _segments(self.directory)
        if not segments:
            self._segment_number = 1
            self._segment_path = self.directory / _segment_name(1)
            return 0
        cut = 0
        for segment in segments:
            lines, torn = _read_lines(segment)
            if torn and segment == segments[-1]:
                size = segment.stat().st_size
                keep = size - len(segment.read_bytes().rsplit(b"\n", 1)[-1])
                cut = size - keep
                with segment.open("r+b") as fh:
                    fh.truncate(keep)
                    os.fsync(fh.fileno())
            if segment == segments[-1]:
                self._segment_start = len(self._leaves)
            for line in lines:
                leaf = merkle.leaf_hash(line)
                self._leaves.append(leaf)
                self._tree.append(leaf)
                self._prev = leaf
        m = _SEGMENT_RE.match(segments[-1].name)
        assert m is not None
        self._segment_number = int(m.group(1))
        self._segment_path = segments[-1]
        return cut

    # --- writing -------------------------------------------------------------------------------

    @property
    def size(self) -> int:
        return self._tree.size

    def record(
        self,
        event: SecurityEvent | str,
        outcome: str = "success",
        /,
        principal: Principal | str | None = None,
        **details: Any,
    ) -> int:
        """Append one event; returns its index. Thread-safe.

        ``event`` is a :class:`SecurityEvent` or any dotted name; ``details`` must be
        JSON-serializable (other values are stored as their ``str``). Never log secrets here.
        """
        with self._lock:
            if self._sealing:  # e.g. the keystore logging the checkpoint signature itself
                self._pending.append((str(event), str(outcome), principal, details))
                return self._tree.size + len(self._pending) - 1
            if not self._start_up_logged:
                self.record_start_up_findings()
            index = self._append(str(event), str(outcome), principal, details)
            last = self._last_checkpoint.size if self._last_checkpoint else None
            # Seal after the first record (a signed log is never without a checkpoint), then
            # every ``checkpoint_every`` records after the last seal, whatever sealed it.
            if self.checkpoint_every and (last is None or self._tree.size - last >= self.checkpoint_every):
                self.checkpoint()
            if self._tree.size - self._segment_start >= self.segment_max_records:
                self.rotate()
            return index

    def _append(
        self, event: str, outcome: str, principal: Principal | str | None, details: dict[str, Any]
    ) -> int:
        index = self._tree.size
        line = _encode(
            {
                "index": index,
                "time": self._clock().isoformat(),
                "event": event,
                "outcome": outcome,
                "principal": _principal_json(principal),
                "details": details,
                "prev": self._prev.hex(),
            }
        )
        try:
            self._file.write(line + b"\n")
            if self._sync:
                os.fsync(self._file.fileno())
        except OSError as exc:
            raise SecurityLogError(
                f"cannot append to the security log {self._segment_path}: {exc.strerror}",
                diagnostics="check free space and permissions of the log directory",
            ) from exc
        leaf = merkle.leaf_hash(line)
        self._leaves.append(leaf)
        self._tree.append(leaf)
        self._prev = leaf
        return index

    def checkpoint(self) -> Checkpoint:
        """Seal the records so far: sign (size, root, time) and store it. Returns the checkpoint."""
        with self._lock:
            cp = self._seal()
            self._flush_pending()
            return cp

    def _flush_pending(self) -> None:
        """Append the records logged while sealing (the keystore's ``key.use`` of the signature)."""
        pending, self._pending = self._pending, []
        for event, outcome, principal, details in pending:
            self._append(event, outcome, principal, details)

    def _seal(self) -> Checkpoint:
        """Sign and store a checkpoint of the records so far; records logged meanwhile stay pending."""
        with self._lock:
            last = self._last_checkpoint
            if last is not None and last.size == self._tree.size and (last.signature or not self._signer):
                return last
            cp = Checkpoint(self._tree.size, self._tree.root(), self._clock())
            if self._signer is not None:
                self._sealing = True
                try:
                    cp = Checkpoint(
                        cp.size, cp.root_hash, cp.time, self._signer(cp.signed_bytes()), self._key_id
                    )
                finally:
                    self._sealing = False
            os.fsync(self._file.fileno())
            with (self.directory / CHECKPOINTS).open("ab") as fh:
                fh.write(cp.dumps().encode() + b"\n")
                fh.flush()
                os.fsync(fh.fileno())
            self._last_checkpoint = cp
            return cp

    def rotate(self) -> Path:
        """Close the current segment with a checkpoint and start a new one that records it."""
        with self._lock:
            # The seal's own key.use record waits until after the rotation record, which must
            # carry the checkpoint of exactly the records before it.
            cp = self._seal()
            previous = self._segment_path
            self._file.close()
            self._segment_number += 1
            self._segment_path = self.directory / _segment_name(self._segment_number)
            self._segment_start = self._tree.size
            self._file = self._segment_path.open("ab", buffering=0)
            self._append(
                SecurityEvent.LOG_ROTATE,
                "info",
                None,
                {"previous": previous.name, "checkpoint": cp.to_json()},
            )
            self._flush_pending()
            return self._segment_path

    def close(self) -> None:
        with self._lock:
            if not self._file.closed:
                if self._tree.size:
                    self.checkpoint()
                self._file.close()

    def __del__(self) -> None:
        # Callers that never close (a long-running device) still release the descriptor quietly.
        file = getattr(self, "_file", None)
        if file is not None and not file.closed:
            file.close()

    def __enter__(self) -> SecurityLog:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- reading and proving ---------------------------------------------------------------------

    def verify(self, *, trusted_checkpoint: Checkpoint | None = None) -> VerifyResult:
        """:func:`verify_log` of this log, holding its unsealed tail to this log's interval."""
        with self._lock:
            return verify_log(
                self.directory,
                self.public_key,
                trusted_checkpoint=trusted_checkpoint,
                max_unsealed=self.checkpoint_every or None,
            )

    def lines(self) -> Iterator[bytes]:
        """The exact bytes of every complete record (the Merkle leaf data), oldest first."""
        for segment in _segments(self.directory):
            lines, _ = _read_lines(segment)
            yield from lines

    def records(self) -> Iterator[dict[str, Any]]:
        """Every complete record, oldest first (not verified: call :meth:`verify` for that)."""
        for line in self.lines():
            yield json.loads(line)

    def record_line(self, index: int) -> bytes:
        """The exact bytes of record ``index`` (its Merkle leaf data)."""
        for segment in _segments(self.directory):
            lines, _ = _read_lines(segment)
            first = json.loads(lines[0])["index"] if lines else 0
            if first <= index < first + len(lines):
                return lines[index - first]
        raise SecurityLogError(f"no record {index} in the log", exit_code=2)

    def root(self, size: int | None = None) -> bytes:
        return merkle.root_hash(self._leaves, size)

    def inclusion_proof(self, index: int, size: int | None = None) -> list[bytes]:
        with self._lock:
            return merkle.inclusion_proof(self._leaves, index, self._tree.size if size is None else size)

    def consistency_proof(self, old_size: int, new_size: int | None = None) -> list[bytes]:
        with self._lock:
            return merkle.consistency_proof(
                self._leaves, old_size, self._tree.size if new_size is None else new_size
            )
