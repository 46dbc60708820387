"""Small protocol clients the live-host probe needs and no maintained library offers.

- a minimal telnet login client over a plain socket (``telnetlib`` is deprecated since Python
  3.11 and removed in 3.13): it refuses every option the server proposes, waits for the login
  and password prompts, and classifies what comes back;
- the bytes of an MQTT 3.1.1 CONNECT packet and the reading of a CONNACK, used to *recognise*
  a broker in one round trip (logins themselves go through paho-mqtt);
- an HTML form reader that finds a login form (a form with a password field).

Everything here reads at most a few KiB and stops at a deadline: devices under assessment are
treated as hostile.
"""

from __future__ import annotations

import re
import socket
import time
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Literal

__all__ = [
    "LoginForm",
    "TelnetOutcome",
    "find_login_form",
    "mqtt_connack_code",
    "mqtt_connect_packet",
    "prompt_kind",
    "strip_telnet_commands",
    "telnet_login",
]

IAC, DONT, DO, WONT, WILL, SB, SE = 255, 254, 253, 252, 251, 250, 240

TelnetOutcome = Literal["accepted", "rejected", "open-shell", "no-login"]

_LOGIN_PROMPT = re.compile(rb"(login|username|user name|user)\s*:\s*$", re.IGNORECASE)
_PASSWORD_PROMPT = re.compile(rb"password\s*:\s*$", re.IGNORECASE)
_SHELL_PROMPT = re.compile(rb"[#$>%]\s*$")
_REJECTED = re.compile(
    rb"incorrect|invalid|denied|failed|failure|wrong|bad password|login:\s*$", re.IGNORECASE
)


def prompt_kind(text: bytes) -> Literal["login", "shell"] | None:
    """What the text a telnet-style service sent ends with: a login prompt, a shell prompt, or
    neither. Service identification uses it to recognise telnet without IAC negotiation."""
    tail = text.rstrip()
    if _LOGIN_PROMPT.search(tail):
        return "login"
    if _SHELL_PROMPT.search(tail):
        return "shell"
    return None


def strip_telnet_commands(data: bytes) -> tuple[bytes, bytes]:
    """Split ``data`` into (text, replies): text without IAC sequences, and the refusals to send.

    Every DO is answered WONT and every WILL is answered DONT: the client agrees to nothing.
    """
    text = bytearray()
    replies = bytearray()
    i = 0
    while i < len(data):
        b = data[i]
        if b != IAC:
            text.append(b)
            i += 1
            continue
        if i + 1 >= len(data):
            break
        cmd = data[i + 1]
        if cmd in (DO, DONT, WILL, WONT) and i + 2 < len(data):
            opt = data[i + 2]
            if cmd == DO:
                replies += bytes([IAC, WONT, opt])
            elif cmd == WILL:
                replies += bytes([IAC, DONT, opt])
            i += 3
        elif cmd == SB:
            end = data.find(bytes([IAC, SE]), i + 2)
            i = len(data) if end < 0 else end + 2
        elif cmd == IAC:
            text.append(IAC)
            i += 2
        else:
            i += 2
    return bytes(text), bytes(replies)


class _TelnetSession:
    def __init__(self, sock: socket.socket, deadline: float) -> None:
        self.sock = sock
        self.deadline = deadline
        self.text = b""

    def read_until(self, *patterns: re.Pattern[bytes], quiet: float = 0.4) -> bytes:
        """Read until the text read so far ends with one of ``patterns``, the peer is quiet for
        ``quiet`` seconds, or the deadline passes. Returns the text read in this call."""
        start = len(self.text)
        while time.monotonic() < self.deadline and len(self.text) < 16384:
            self.sock.settimeout(max(0.01, min(quiet, self.deadline - time.monotonic())))
            try:
                chunk = self.sock.recv(4096)
            except TimeoutError:
                break
            if not chunk:
                break
            text, replies = strip_telnet_commands(chunk)
            if replies:
                self.sock.sendall(replies)
            self.text += text
            tail = self.text[start:].rstrip(b"\x00")
            if any(p.search(tail) for p in patterns):
                break
        return self.text[start:]

    def send_line(self, line: str) -> None:
        self.sock.sendall(line.encode("utf-8", "replace") + b"\r\n")


def telnet_login(
    host: str, port: int, username: str, password: str, *, timeout: float = 5.0
) -> TelnetOutcome | None:
    """Try one login on a telnet-style service. None when the port does not answer at all.

    ``open-shell`` means a shell prompt came before any login prompt: no authentication.
    """
    deadline = time.monotonic() + timeout
    try:
        sock = socket.create_connection((host, port), timeout=timeout)
    except OSError:
        return None
    with sock:
        session = _TelnetSession(sock, deadline)
        try:
            first = session.read_until(_LOGIN_PROMPT, _PASSWORD_PROMPT, _SHELL_PROMPT, quiet=1.0)
            if _LOGIN_PROMPT.search(first.rstrip()):
                session.send_line(username)
                first = session.read_until(_PASSWORD_PROMPT, _SHELL_PROMPT, _REJECTED)
            elif _SHELL_PROMPT.search(first.rstrip()):
                return "open-shell"
            if not _PASSWORD_PROMPT.search(first.rstrip()):
                if _SHELL_PROMPT.search(first.rstrip()) and not _REJECTED.search(first):
                    return "accepted"  # user name alone was enough
                return "no-login" if not first else "rejected"
            session.send_line(password)
            after = session.read_until(_SHELL_PROMPT, _LOGIN_PROMPT, _REJECTED, quiet=1.0)
        except OSError:
            return "rejected"
    if _REJECTED.search(after):
        return "rejected"
    if _SHELL_PROMPT.search(after.rstrip()):
        return "accepted"
    return "rejected"


def mqtt_connect_packet(client_id: str = "securable-probe") -> bytes:
    """An MQTT 3.1.1 CONNECT without credentials, clean session, 60 s keep-alive."""
    cid = client_id.encode()
    variable = b"\x00\x04MQTT\x04\x02\x00\x3c"
    payload = len(cid).to_bytes(2, "big") + cid
    body = variable + payload
    return b"\x10" + bytes([len(body)]) + body


def mqtt_connack_code(data: bytes) -> int | None:
    """The return code of a CONNACK (0 accepted, 4 bad credentials, 5 not authorized), else None."""
    if len(data) >= 4 and data[0] == 0x20 and data[1] == 0x02:
        return data[3]
    return None


@dataclass
class LoginForm:
    action: str
    method: str
    user_field: str | None
    password_field: str
    hidden: dict[str, str] = field(default_factory=dict)


class _FormParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[tuple[dict[str, str], list[dict[str, str]]]] = []
        self._current: tuple[dict[str, str], list[dict[str, str]]] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k.lower(): (v or "") for k, v in attrs}
        if tag == "form":
            self._current = (a, [])
            self.forms.append(self._current)
        elif tag == "input" and self._current is not None:
            self._current[1].append(a)

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._current = None


_USER_NAMES = ("user", "username", "login", "email", "name", "account", "userid")


def find_login_form(html: str) -> LoginForm | None:
    """The first form of ``html`` that has a password field, or None."""
    parser = _FormParser()
    try:
        parser.feed(html[:65536])
        parser.close()
    except Exception:
        return None
    for attrs, inputs in parser.forms:
        pw = [i for i in inputs if i.get("type", "").lower() == "password" and i.get("name")]
        if not pw:
            continue
        texts = [
            i
            for i in inputs
            if i.get("name")
            and (
                i.get("type", "text").lower() in ("text", "email", "")
                or i.get("name", "").lower() in _USER_NAMES
            )
            and i.get("type", "").lower() not in ("hidden", "password", "submit")
        ]
        hidden = {i["name"]: i.get("value", "") for i in inputs if i.get("type", "").lower() == "hidden"}
        return LoginForm(
            action=attrs.get("action", ""),
            method=(attrs.get("method") or "get").upper(),
            user_field=texts[0]["name"] if texts else None,
            password_field=pw[0]["name"],
            hidden={k: v for k, v in hidden.items() if k},
        )
    return None
