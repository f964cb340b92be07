"""A stream encrypted with a passphrase, written and read in chunks (no size limit, little
memory).

Layout: a header, then frames. The header is ``MAGIC``, the format version, the KDF's
parameters (scrypt: log2 N, r, p), a random 16-byte salt, the chunk size, and a 16-byte key
check (AES-GCM's tag over nothing, with a nonce no chunk uses), which tells a wrong passphrase
from a damaged file. Each frame is a 4-byte big-endian length and one chunk's AES-256-GCM
ciphertext; the chunk's nonce is its index, and its associated data is the header, the index
and a final flag: a chunk moved, a chunk cut off, a header edited or anything appended after
the final chunk is refused. The key is fresh for every file (a new salt), so index nonces never
repeat under one key."""

from __future__ import annotations

import os
import struct
from typing import IO, TYPE_CHECKING

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

MAGIC = b"DESKBKP\x00"
VERSION = 1
KDF_SCRYPT = 1
LOG2_N, R, P = 17, 8, 1  # 128 MB and about 0.3 s per derivation
CHUNK = 1024 * 1024
_PARAMS = struct.Struct(">BBBBB16sI")  # version, kdf, log2 N, r, p, salt, chunk size
_TAG = 16
_CHECK_NONCE = b"\xff" * 12
HEADER_SIZE = len(MAGIC) + _PARAMS.size + _TAG


class SealError(ValueError):
    """The file cannot be opened: not a backup, a wrong passphrase, or damaged."""


def _key(passphrase: str, salt: bytes, log2_n: int, r: int, p: int) -> bytes:
    from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

    return Scrypt(salt=salt, length=32, n=2 ** log2_n, r=r, p=p).derive(passphrase.encode())


def _aad(header: bytes, index: int, final: bool) -> bytes:
    return header + struct.pack(">QB", index, 1 if final else 0)


def _nonce(index: int) -> bytes:
    return struct.pack(">IQ", 0, index)


def check_passphrase(passphrase: str) -> None:
    if not passphrase:
        raise SealError("the passphrase is empty: a backup is encrypted with a passphrase")


class SealedWriter:
    """A write-only binary file that encrypts what is written into ``out``; ``close()``
    writes the final chunk (without it a reader refuses the file as cut off)."""

    def __init__(self, out: IO[bytes], passphrase: str, log2_n: int = LOG2_N) -> None:
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        check_passphrase(passphrase)
        salt = os.urandom(16)
        params = MAGIC + _PARAMS.pack(VERSION, KDF_SCRYPT, log2_n, R, P, salt, CHUNK)
        self._aead: AESGCM = AESGCM(_key(passphrase, salt, log2_n, R, P))
        check = self._aead.encrypt(_CHECK_NONCE, b"", params)
        self._header = params + check
        self._out = out
        self._buffer = bytearray()
        self._index = 0
        self.closed = False
        out.write(self._header)

    def write(self, data: bytes | bytearray | memoryview) -> int:
        self._buffer += data
        while len(self._buffer) >= CHUNK:
            self._frame(bytes(self._buffer[:CHUNK]), final=False)
            del self._buffer[:CHUNK]
        return len(data)

    def flush(self) -> None:
        self._out.flush()

    def close(self) -> None:
        if self.closed:
            return
        self._frame(bytes(self._buffer), final=True)
        self._buffer.clear()
        self._out.flush()
        self.closed = True

    def _frame(self, chunk: bytes, final: bool) -> None:
        sealed = self._aead.encrypt(_nonce(self._index), chunk, _aad(self._header, self._index, final))
        self._out.write(struct.pack(">I", len(sealed)))
        self._out.write(sealed)
        self._index += 1


class SealedReader:
    """A read-only binary file of what ``SealedWriter`` wrote; every chunk is authenticated
    before a byte of it is returned, and the end must be the writer's final chunk."""

    def __init__(self, source: IO[bytes], passphrase: str) -> None:
        from cryptography.exceptions import InvalidTag
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        check_passphrase(passphrase)
        header = _read_exactly(source, HEADER_SIZE)
        if len(header) < HEADER_SIZE or not header.startswith(MAGIC):
            raise SealError("this is not a Desk backup file")
        version, kdf, log2_n, r, p, salt, chunk = _PARAMS.unpack(header[len(MAGIC):-_TAG])
        if version != VERSION or kdf != KDF_SCRYPT:
            raise SealError(f"this backup's format ({version}) is not one this Desk reads")
        if not (10 <= log2_n <= 22 and 1 <= r <= 32 and 1 <= p <= 16 and 0 < chunk <= 64 * CHUNK):
            raise SealError("this backup's header is damaged")
        self._aead: AESGCM = AESGCM(_key(passphrase, salt, log2_n, r, p))
        try:
            self._aead.decrypt(_CHECK_NONCE, header[-_TAG:], header[:-_TAG])
        except InvalidTag:
            raise SealError("wrong passphrase (or the backup's header is damaged)") from None
        self._invalid = InvalidTag
        self._header = header
        self._source = source
        self._limit = chunk + _TAG
        self._index = 0
        self._buffer = b""
        self._offset = 0
        self._ended = False

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        parts: list[bytes] = []
        wanted = size if size >= 0 else None
        while wanted is None or wanted > 0:
            if self._offset >= len(self._buffer):
                if self._ended:
                    break
                self._next_chunk()
                continue
            end = len(self._buffer) if wanted is None else min(len(self._buffer), self._offset + wanted)
            part = self._buffer[self._offset:end]
            self._offset = end
            parts.append(part)
            if wanted is not None:
                wanted -= len(part)
        return b"".join(parts)

    def drain(self) -> None:
        """Read to the end: a file that is cut off or has bytes after its end raises."""
        while not self._ended:
            self._next_chunk()
        self._buffer, self._offset = b"", 0

    def _next_chunk(self) -> None:
        length = _read_exactly(self._source, 4)
        if len(length) < 4:
            raise SealError("the backup is cut off (its last part is missing)")
        (size,) = struct.unpack(">I", length)
        if size < _TAG or size > self._limit:
            raise SealError("the backup is damaged (a part has an impossible length)")
        sealed = _read_exactly(self._source, size)
        if len(sealed) < size:
            raise SealError("the backup is cut off (its last part is missing)")
        plain = None
        for final in (False, True):
            try:
                plain = self._aead.decrypt(_nonce(self._index), sealed,
                                           _aad(self._header, self._index, final))
            except self._invalid:
                continue
            self._ended = final
            break
        if plain is None:
            raise SealError(f"the backup is damaged or was altered (part {self._index + 1})")
        if self._ended and self._source.read(1):
            raise SealError("the backup has bytes after its end: it was altered")
        self._index += 1
        self._buffer, self._offset = plain, 0


def _read_exactly(source: IO[bytes], size: int) -> bytes:
    parts: list[bytes] = []
    while size > 0:
        part = source.read(size)
        if not part:
            break
        parts.append(part)
        size -= len(part)
    return b"".join(parts)
