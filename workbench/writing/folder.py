"""Atomic, owned output folders.

A theme's files are written to a hidden sibling folder (``.<name>.partial-<pid>``) and moved
into place, replacing the previous run's folder as a whole, only when complete; a marker
file records the run. A lock file beside the folder (``.<name>.lock``, holding the writer's
process id) makes a second run into the same folder fail while the first is alive. A failed
write (full disk, read-only folder) removes the partial folder and raises one error.
"""

from __future__ import annotations

import atexit
import contextlib
import datetime as _dt
import errno
import json
import logging
import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from workbench.errors import WorkbenchError

__all__ = [
    "MARKER",
    "FolderLock",
    "OutputFolder",
    "is_complete",
    "mark_complete",
    "sweep_stale",
    "write_errors",
]

logger = logging.getLogger(__name__)

#: The file that marks a folder as complete (written last, before the folder is moved in).
MARKER = "RUN_COMPLETE.json"


def is_complete(folder: Path) -> bool:
    """True when ``folder`` holds the marker of a finished run."""
    return (Path(folder) / MARKER).is_file()


def _alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@contextlib.contextmanager
def write_errors(what: str) -> Iterator[None]:
    """Turn an operating-system error while writing into one clear WorkbenchError."""
    try:
        yield
    except OSError as exc:
        reason = {
            errno.ENOSPC: "the disk is full",
            errno.EROFS: "the folder is read-only",
            errno.EACCES: "permission denied",
            errno.EDQUOT: "the disk quota is exceeded",
        }.get(exc.errno or -1, exc.strerror or str(exc))
        raise WorkbenchError(f"could not write {what}: {reason} ({exc})") from exc


def mark_complete(folder: str | Path, info: dict[str, Any]) -> Path:
    """Write the marker :data:`MARKER` into ``folder`` (atomically: a temporary file renamed),
    the last file of a run; returns its path."""
    folder = Path(folder)
    path = folder / MARKER
    tmp = folder / f".{MARKER}.{os.getpid()}.tmp"
    data = {**info, "completed_utc": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds")}
    try:
        with write_errors(f"the completion marker in {folder}"):
            tmp.write_text(json.dumps(data, indent=2), encoding="utf-8")
            os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


class FolderLock:
    """The lock ``.<name>.lock`` beside a folder (holding the writer's process id).

    A second writer of the same folder gets one clear :class:`WorkbenchError` while the
    first is alive; a lock left by a process that has ended is removed.
    """

    def __init__(self, final: str | Path) -> None:
        self.final = Path(final)
        self.lock = self.final.parent / f".{self.final.name}.lock"

    def acquire(self) -> FolderLock:
        """Take the lock (raises :class:`WorkbenchError` when another live run holds it)."""
        for _ in range(2):
            try:
                fd = os.open(self.lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
            except FileExistsError:
                try:
                    pid = int(self.lock.read_text(encoding="utf-8").split()[0])
                except (OSError, ValueError, IndexError):
                    pid = -1
                if pid != os.getpid() and _alive(pid):
                    raise WorkbenchError(
                        f"{self.final} is being written by another run (process {pid}, lock "
                        f"{self.lock}); wait for it to finish or choose another output folder"
                    ) from None
                logger.warning("Removing stale lock %s (process %s has ended)", self.lock, pid)
                self.lock.unlink(missing_ok=True)
                continue
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(f"{os.getpid()}\n")
            return self
        raise WorkbenchError(f"could not take the lock {self.lock}")

    def release(self) -> None:
        """Remove the lock if this process holds it."""
        with contextlib.suppress(OSError, IndexError):
            if self.lock.is_file() and self.lock.read_text(encoding="utf-8").split()[0] == str(
                os.getpid()
            ):
                self.lock.unlink()

    def __enter__(self) -> FolderLock:
        with write_errors(f"the lock {self.lock}"):
            return self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()


def sweep_stale(final: str | Path, *, locks: bool = True) -> list[Path]:
    """Remove what writers of ``final`` that have ended left beside it; returns what went.

    The partial folders ``.<name>.partial-<pid>-<run>`` of ended processes (a notebook
    kernel stopped on an error does not reach its exit handler) and, with ``locks``, the
    lock ``.<name>.lock`` when its process has ended. A live writer's files are kept.
    """
    final = Path(final)
    gone = []
    for stale in final.parent.glob(f".{final.name}.partial-*"):
        try:
            pid = int(stale.name.rsplit(".partial-", 1)[1].split("-", 1)[0])
        except (IndexError, ValueError):
            continue
        if not _alive(pid):
            shutil.rmtree(stale, ignore_errors=True)
            gone.append(stale)
    lock = FolderLock(final).lock
    if locks and lock.is_file():
        try:
            pid = int(lock.read_text(encoding="utf-8").split()[0])
        except (OSError, ValueError, IndexError):
            pid = -1
        if pid != os.getpid() and not _alive(pid):
            lock.unlink(missing_ok=True)
            gone.append(lock)
    return gone


class OutputFolder:
    """A folder written under a temporary name and moved into place when complete.

    Parameters
    ----------
    final : Path
        Where the folder ends up (``output/2024-03-31_supply``).

    Raises
    ------
    WorkbenchError
        Another live process holds the folder's lock, or the parent folder cannot be written.
    """

    def __init__(self, final: str | Path) -> None:
        self.final = Path(final)
        parent = self.final.parent
        self._lock = FolderLock(self.final)
        self.lock = self._lock.lock
        self.run_id = uuid.uuid4().hex[:12]
        with write_errors(f"outputs under {parent}"):
            parent.mkdir(parents=True, exist_ok=True)
            self._acquire()
        self._sweep(parent)
        self.staging = parent / f".{self.final.name}.partial-{os.getpid()}-{self.run_id}"
        try:
            with write_errors(f"outputs under {parent}"):
                self.staging.mkdir()
        except WorkbenchError:
            self._release()
            raise
        self.done = False
        atexit.register(self._at_exit)

    def _sweep(self, parent: Path) -> None:
        """Remove partial folders of this name left by runs that have ended."""
        sweep_stale(parent / self.final.name, locks=False)

    def _at_exit(self) -> None:
        if not self.done:
            logger.info("Outputs of %s were not completed; removing %s", self.final, self.staging)
            self.abort()

    def _acquire(self) -> None:
        self._lock.acquire()

    def _release(self) -> None:
        self._lock.release()

    def commit(self, marker: dict[str, Any], *, mark: bool = True) -> Path:
        """Write the marker, move the folder into place (replacing an earlier run's), unlock.

        ``mark=False``: the folder is moved into place without the marker; the caller adds
        files (``workbench report``: the HTML report and the executed notebook) and then
        writes it with :func:`mark_complete`, so the marker is always the last file.
        """
        if self.done:
            return self.final
        old = self.final.parent / f".{self.final.name}.old-{os.getpid()}-{self.run_id}"
        try:
            with write_errors(f"the outputs folder {self.final}"):
                info = {
                    **marker,
                    "run_id": self.run_id,
                    "pid": os.getpid(),
                    "completed_utc": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
                }
                if mark:
                    (self.staging / MARKER).write_text(json.dumps(info, indent=2), encoding="utf-8")
                if self.final.exists():
                    self.final.rename(old)
                self.staging.rename(self.final)
        except WorkbenchError:
            self.abort()
            raise
        shutil.rmtree(old, ignore_errors=True)
        self.done = True
        self._release()
        logger.info("Outputs complete in %s", self.final)
        return self.final

    def abort(self) -> None:
        """Remove the partial folder and the lock (the previous complete folder is kept)."""
        shutil.rmtree(self.staging, ignore_errors=True)
        self.done = True
        self._release()
