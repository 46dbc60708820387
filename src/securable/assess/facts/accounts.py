"""The image's password accounts, read from ``/etc/passwd`` and ``/etc/shadow``."""

from __future__ import annotations

from dataclasses import dataclass

from securable.assess.facts.image_io import CONFIG_LIMIT, MAX_LINE, is_shell
from securable.assess.model import ImageView

PASSWD = "/etc/passwd"  # noqa: S105 - a path, not a password
SHADOW = "/etc/shadow"
_NOLOGIN = ("nologin", "false", "sync", "halt", "shutdown")


@dataclass(frozen=True)
class Account:
    """One account. ``password`` is the stored field (hash, empty, or lock marker); ``source`` its file."""

    name: str
    uid: int | None
    shell: str
    password: str | None  # None: unknown (passwd says "x" and there is no shadow entry)
    source: str
    line: int

    @property
    def login_shell(self) -> bool:
        """False for nologin/false shells: the account gets no interactive session."""
        return not self.shell.rsplit("/", 1)[-1].startswith(_NOLOGIN)

    @property
    def empty(self) -> bool:
        return self.password == ""

    @property
    def locked(self) -> bool:
        return self.password is not None and self.password[:1] in ("!", "*")

    @property
    def hashed(self) -> bool:
        return bool(self.password) and not self.locked and self.password not in ("x", "*NP*")

    @property
    def shell_is_plain(self) -> bool:
        return is_shell(self.shell)


def _rows(image: ImageView, path: str) -> list[tuple[int, list[str]]]:
    text = image.read_text(path, CONFIG_LIMIT)
    if text is None:
        return []
    rows = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw[:MAX_LINE].rstrip("\r\n")
        if not line or line.startswith("#") or ":" not in line:
            continue
        rows.append((number, line.split(":")))
    return rows


def read_accounts(image: ImageView) -> list[Account] | None:
    """Accounts of the image, or None when it has neither passwd nor shadow."""
    passwd = _rows(image, PASSWD)
    shadow_present = image.exists(SHADOW)
    shadow = {
        fields[0]: (number, fields[1] if len(fields) > 1 else "") for number, fields in _rows(image, SHADOW)
    }
    if not passwd and not shadow_present:
        return None
    accounts: list[Account] = []
    seen: set[str] = set()
    for number, fields in passwd:
        name = fields[0]
        field = fields[1] if len(fields) > 1 else ""
        uid = int(fields[2]) if len(fields) > 2 and fields[2].isdigit() else None
        shell = fields[6] if len(fields) > 6 else ""
        seen.add(name)
        if field == "x" or (field == "" and name in shadow):
            if name in shadow:
                line, value = shadow[name]
                accounts.append(Account(name, uid, shell, value, SHADOW, line))
            else:
                accounts.append(Account(name, uid, shell, None, PASSWD, number))
        else:
            accounts.append(Account(name, uid, shell, field, PASSWD, number))
    for name, (line, value) in shadow.items():
        if name not in seen:  # shadow entry without a passwd entry: still a credential
            accounts.append(Account(name, None, "", value, SHADOW, line))
    return accounts
