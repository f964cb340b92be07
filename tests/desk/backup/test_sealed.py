"""The backup's encryption: what goes in comes out with the right passphrase, and a wrong
passphrase, a cut, a swap or an edit anywhere is refused before any byte is trusted."""

from __future__ import annotations

import io
import os
import struct

import pytest

from desk.backup.sealed import CHUNK, HEADER_SIZE, SealedReader, SealedWriter, SealError

FAST = 10  # scrypt N = 2**10 for the tests; backups use 2**17


def _seal(data: bytes, passphrase: str = "correct horse") -> bytes:
    out = io.BytesIO()
    writer = SealedWriter(out, passphrase, log2_n=FAST)
    for start in range(0, len(data), 70_000):  # written in uneven pieces, as tar does
        writer.write(data[start:start + 70_000])
    writer.close()
    return out.getvalue()


def _open(sealed: bytes, passphrase: str = "correct horse") -> bytes:
    reader = SealedReader(io.BytesIO(sealed), passphrase)
    data = reader.read(12345) + reader.read()
    reader.drain()
    return data


def _frames(sealed: bytes) -> list[tuple[int, int]]:
    """(start, end) of each frame after the header."""
    spans, at = [], HEADER_SIZE
    while at < len(sealed):
        (size,) = struct.unpack(">I", sealed[at:at + 4])
        spans.append((at, at + 4 + size))
        at += 4 + size
    return spans


@pytest.mark.parametrize("size", [0, 1, CHUNK, 2 * CHUNK + 17])
def test_what_is_sealed_opens_with_the_passphrase(size: int) -> None:
    data = os.urandom(size)
    sealed = _seal(data)
    assert _open(sealed) == data
    if size >= 64:  # the clear text shows nowhere in the file
        assert data[:64] not in sealed


def test_a_wrong_passphrase_is_named_as_such() -> None:
    with pytest.raises(SealError, match="wrong passphrase"):
        _open(_seal(b"tickets"), "Correct horse")


def test_an_empty_passphrase_is_refused() -> None:
    with pytest.raises(SealError, match="empty"):
        SealedWriter(io.BytesIO(), "", log2_n=FAST)


def test_a_file_cut_after_a_whole_chunk_is_refused() -> None:
    sealed = _seal(os.urandom(2 * CHUNK + 5))
    cut = sealed[:_frames(sealed)[1][1]]  # the first two chunks, the final one gone
    with pytest.raises(SealError, match="cut off"):
        _open(cut)


def test_swapped_chunks_are_refused() -> None:
    sealed = _seal(os.urandom(3 * CHUNK))
    (a0, a1), (b0, b1) = _frames(sealed)[:2]
    swapped = sealed[:a0] + sealed[b0:b1] + sealed[a0:a1] + sealed[b1:]
    with pytest.raises(SealError, match="altered"):
        _open(swapped)


def test_a_flipped_bit_anywhere_is_refused() -> None:
    sealed = bytearray(_seal(os.urandom(CHUNK + 100)))
    for where in (HEADER_SIZE + 200, len(sealed) - 3, 12):
        damaged = bytearray(sealed)
        damaged[where] ^= 0x01
        with pytest.raises(SealError):
            _open(bytes(damaged))


def test_bytes_after_the_end_are_refused() -> None:
    with pytest.raises(SealError, match="after its end"):
        _open(_seal(b"ticket 1") + b"more")


def test_something_else_is_not_taken_for_a_backup() -> None:
    with pytest.raises(SealError, match="not a Desk backup"):
        _open(b"PK\x03\x04" + b"\0" * 100)
