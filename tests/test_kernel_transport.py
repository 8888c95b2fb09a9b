"""Kernel sockets of the report runner (``report._transport``).

Two runs starting at the same moment (the suite's two workers; an analyst's two reports) chose
the same IPC socket files in the package's notebooks folder and both waited for a kernel that
never answered (a hung ``make test``, 2026-12-07). Each run now has its own socket folder.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from workbench.report import NOTEBOOKS, _transport

pytestmark = pytest.mark.skipif(os.name != "posix", reason="IPC sockets are POSIX only")


def _socket_paths(transport: dict, cwd: Path) -> set[Path]:
    """The socket files a kernel manager with this configuration would use."""
    from jupyter_client import KernelManager

    km = KernelManager(kernel_name="python3", **transport)
    km.write_connection_file()
    try:
        ports = (km.shell_port, km.iopub_port, km.stdin_port, km.control_port, km.hb_port)
        return {(cwd / f"{km.ip}-{p}").resolve() for p in ports}
    finally:
        km.cleanup_connection_file()


def test_two_runs_starting_together_use_different_sockets(monkeypatch):
    monkeypatch.chdir(NOTEBOOKS)  # papermill runs the kernel in the notebooks folder
    with _transport() as one, _transport() as two:
        first = _socket_paths(one, NOTEBOOKS)
        second = _socket_paths(two, NOTEBOOKS)
        assert len(first) == len(second) == 5
        assert not first & second
        for path in first | second:
            assert path.is_absolute() and NOTEBOOKS not in path.parents
            assert len(str(path)) < 100  # Unix socket paths are limited to about 100 bytes
        folders = {p.parent for p in first | second}
        assert len(folders) == 2 and all(f.is_dir() for f in folders)
    assert not any(f.exists() for f in folders)  # removed when the run ends


def test_a_kernel_started_with_the_transport_answers():
    from jupyter_client import KernelManager

    with _transport() as transport:
        km = KernelManager(kernel_name="python3", **transport)
        km.start_kernel()
        try:
            client = km.client()
            client.start_channels()
            client.wait_for_ready(timeout=300)  # readiness; the bound only fails a dead kernel
            reply = client.execute_interactive("x = 6 * 7", timeout=300)
            assert reply["content"]["status"] == "ok"
            client.stop_channels()
        finally:
            km.shutdown_kernel(now=True)
