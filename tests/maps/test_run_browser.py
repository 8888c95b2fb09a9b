"""One headless Chromium per run: the endpoint the notebook kernels connect to."""

from __future__ import annotations

import os

import pytest

from workbench.maps import browser as br


def test_no_browser_yields_none(monkeypatch):
    monkeypatch.setenv("WORKBENCH_CHROMIUM", "none")
    with br.run_browser() as endpoint:
        assert endpoint is None
        assert br.ENDPOINT_ENV not in os.environ


@pytest.mark.skipif(br.find_chromium() is None, reason=br.INSTALL_HINT)
def test_run_browser_is_shared_and_stopped(monkeypatch):
    monkeypatch.delenv(br.ENDPOINT_ENV, raising=False)
    br.close_shared_browser()
    with br.run_browser() as endpoint:
        assert endpoint and endpoint.startswith("ws://127.0.0.1:")
        assert os.environ[br.ENDPOINT_ENV] == endpoint
        # the process-wide shared browser connects to the run's browser, not a new one
        contexts_before = br.shared_browser(lambda b: len(b.contexts))
        assert contexts_before >= 1  # a CDP connection sees the running browser's context
        version = br.shared_browser(lambda b: b.version)
        assert version
    assert br.ENDPOINT_ENV not in os.environ
