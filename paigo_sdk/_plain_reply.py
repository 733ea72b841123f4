"""Read the head of a plain HTTP/1.1 reply without `http.client`, as `http.client` would.

Almost every reply the direct way reads is plain: `HTTP/1.1`, a final status with a body, a few
`Name: value` headers, one `Content-Length` and no `Transfer-Encoding`. `http.client` parses such
a head through the `email` package, a large share of a delivered record's client CPU.
`plain_head` parses it with a few string operations and gives exactly what `http.client` would:
the status, the headers as `wire_reply` lists them (names in lower case, values with leading
blanks removed), where the body starts and how long it is, and whether the server closes the
connection (`Connection` naming `close`, `http.client`'s own test).

Anything else returns None and `http.client` reads the reply as before: other versions, 1xx,
204 and 304 replies and answers to HEAD, chunked or unframed bodies, a repeated or non-numeric
`Content-Length`, continuation lines, a bare CR or LF, a header line without a name, more than
100 headers or a head over 64 KiB. Every refusal `http.client` makes therefore still comes from
`http.client`. `tests/sdk/test_plain_reply.py` holds the two parsers equal on generated replies.
"""

from __future__ import annotations

import re
from typing import Final, NamedTuple

__all__ = ["PlainHead", "plain_head"]

MAX_PLAIN_HEAD: Final = 65_536
"""The longest head read here; `http.client`'s limit on one header line."""

_MAX_HEADERS: Final = 100
"""`http.client`'s limit on the number of header lines."""

_STATUS_LINE: Final = re.compile(r"HTTP/1\.1 ([2-5][0-9][0-9])(?: [^\r\n]*)?")
_HEADER_LINE: Final = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+:[^\r\n]*")


class PlainHead(NamedTuple):
    """The parts of a plain reply's head that the pools use."""

    status: int
    headers: list[tuple[str, str]]
    """As `wire_reply` gives them: `http.client`'s `getheaders()`, names in lower case."""
    body_start: int
    """The offset of the body's first byte in the reply's bytes."""
    length: int
    """The body's length in bytes, from `Content-Length`."""
    will_close: bool
    """Whether the server closes the connection after this reply."""

    @property
    def end(self) -> int:
        """The offset just past the body's last byte in the reply's bytes."""
        return self.body_start + self.length


def plain_head(data: bytes | bytearray, method: str) -> PlainHead | None:
    """Parse the head at the start of `data` when the reply is plain; None otherwise.

    None also when `data` does not hold the whole head yet.

    Raises:
        Nothing.
    """
    end = data.find(b"\r\n\r\n", 0, MAX_PLAIN_HEAD)
    if end < 0 or method == "HEAD":
        return None
    lines = data[:end].decode("latin-1").split("\r\n")
    if len(lines) > _MAX_HEADERS + 1:
        return None
    status_line = _STATUS_LINE.fullmatch(lines[0])
    if status_line is None:
        return None
    status = int(status_line[1])
    if status in (204, 304):
        return None
    headers: list[tuple[str, str]] = []
    length: str | None = None
    connection: str | None = None
    for line in lines[1:]:
        if _HEADER_LINE.fullmatch(line) is None:
            return None
        name, _, value = line.partition(":")
        value = value.lstrip(" \t")
        lowered = name.lower()
        if lowered == "content-length":
            if length is not None:
                return None
            length = value
        elif lowered == "transfer-encoding":
            return None
        elif lowered == "connection" and connection is None:
            connection = value  # `http.client` reads the first `Connection` header only
        headers.append((lowered, value))
    if length is None or not length.isascii() or not length.rstrip(" \t").isdigit():
        return None
    will_close = connection is not None and "close" in connection.lower()
    return PlainHead(status, headers, end + 4, int(length), will_close)
