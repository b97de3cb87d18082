"""Write a new artifact set beside the old one and swap it in only once it passed its gate.

The new set is written into a temporary directory next to the output directory (the
same filesystem, so the final step is a rename), compiled and checked there; only then
does it replace the output directory, in one atomic exchange where Linux offers it
(renameat2 RENAME_EXCHANGE), else two renames with a rollback. Any failure before that
leaves the previous artifacts exactly as they were, and the temporary directory goes.
"""

from __future__ import annotations

import ctypes
import errno
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from model_build.import_errors import OutputFailed

_AT_FDCWD = -100
_RENAME_EXCHANGE = 2


@contextmanager
def staging_beside(output_dir: Path) -> Iterator[Path]:
    """A fresh directory next to output_dir, removed on the way out whatever happened."""
    try:
        output_dir.parent.mkdir(parents=True, exist_ok=True)
        work = Path(tempfile.mkdtemp(prefix=f".{output_dir.name}-import-",
                                     dir=output_dir.parent))
    except OSError as error:
        raise OutputFailed(f"cannot create a staging directory beside {output_dir} ({error})"
                           ) from None
    try:
        yield work
    finally:
        shutil.rmtree(work, ignore_errors=True)


def replace_directory(new: Path, target: Path) -> None:
    """Put `new` where `target` is; the old target ends up at `new`'s path."""
    try:
        if not os.path.lexists(target):
            os.rename(new, target)
        elif not _exchange(new, target):
            aside = new.with_name(new.name + ".previous")
            os.rename(target, aside)
            try:
                os.rename(new, target)
            except OSError:
                os.rename(aside, target)
                raise
            os.rename(aside, new)
    except OSError as error:
        raise OutputFailed(f"cannot move the new artifacts into {target} ({error}); the "
                           "previous ones are unchanged") from None


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths atomically; False where the kernel or libc cannot."""
    try:
        renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
    except (AttributeError, OSError):
        return False
    result = renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE)
    if result == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP):
        return False
    raise OSError(code, os.strerror(code))
