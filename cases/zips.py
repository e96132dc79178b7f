"""Zip archives from outside: which members are unsafe to touch, and unpacking one member within hard limits.

Shared by the DICOM import (cases/ingest.py) and the case archives (cases/archive.py). Declared sizes are never
trusted: a member is read in chunks, and refused as soon as it passes its limit or, once large, unpacks to far
more than its packed size (a zip bomb).
"""

import re
import tempfile
import zipfile
import zlib
from contextlib import contextmanager

# A member that unpacks to more than RATIO_FLOOR bytes may be at most `max_ratio` times its packed size.
RATIO_FLOOR = 10 * 1024 * 1024
SPOOL_BYTES = 16 * 1024 * 1024  # a member up to this size is unpacked in memory, a larger one to a temporary file
_UNREADABLE = (zipfile.BadZipFile, NotImplementedError, RuntimeError, OSError, EOFError, ValueError, zlib.error)


class Unsafe(Exception):
    """A member that cannot be unpacked safely; the message says why, in words for the educator."""


class Budget:
    """What a whole archive may unpack to, counted across its members."""

    def __init__(self, limit: int):
        self.limit, self.used = limit, 0

    def exceeded(self) -> Unsafe:
        return Unsafe(f"the archive unpacks to more than {megabytes(self.limit)} in all")


def member_problem(info: zipfile.ZipInfo) -> str | None:
    """Why a member must not be unpacked at all (a name outside its folder, a link, encryption), or None."""
    name = info.filename.replace("\\", "/")
    parts = name.split("/")
    if name.startswith("/") or re.match(r"^[A-Za-z]:", name) or ".." in parts:
        return "has an unsafe name in the archive (outside its folder)"
    if (info.external_attr >> 16) & 0o170000 == 0o120000:
        return "is a link in the archive, not a file"
    if info.flag_bits & 0x1:
        return "is encrypted in the archive"
    return None


@contextmanager
def unpacked(archive: zipfile.ZipFile, info: zipfile.ZipInfo, *, limit: int, max_ratio: int, budget=None):
    """The member, unpacked into a spooled temporary file at its start; raises Unsafe past `limit` bytes, past the
    archive's `budget` (a Budget, or None), or for a suspicious compression ratio, having read no further."""
    if budget is not None and budget.used >= budget.limit:
        raise budget.exceeded()
    left = budget.limit - budget.used if budget is not None else None
    with tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES) as spool:
        size = 0
        try:
            with archive.open(info) as member:
                while chunk := member.read(1024 * 1024):
                    size += len(chunk)
                    if size > limit:
                        raise Unsafe(f"unpacks to more than {megabytes(limit)} (a zip bomb?)")
                    if left is not None and size > left:
                        raise budget.exceeded()
                    if size > RATIO_FLOOR and size > max_ratio * max(info.compress_size, 1):
                        raise Unsafe("is compressed suspiciously well (a zip bomb?)")
                    spool.write(chunk)
        except Unsafe:
            raise
        except _UNREADABLE:
            raise Unsafe(
                "could not be unpacked from the archive: it is damaged or uses an unsupported packing"
            ) from None
        if budget is not None:
            budget.used += size
        spool.seek(0)
        yield spool


def megabytes(size: int) -> str:
    return f"{size / 1024 / 1024:,.0f} MB" if size >= 1024 * 1024 else f"{size:,} bytes"
