"""The run browser's profile folder is removed even while Chromium's helper processes are still
exiting (``OSError: Directory not empty: 'Default'`` stopped a whole report, 2026-12-07)."""

from __future__ import annotations

import logging
import shutil

from workbench.maps import browser


def test_profile_removed_after_the_helpers_let_go(tmp_path, monkeypatch):
    profile = tmp_path / "workbench-chromium-x"
    (profile / "Default").mkdir(parents=True)
    (profile / "Default" / "Cookies").write_text("")
    real, calls = shutil.rmtree, []

    def busy_then_free(path, *args, **kwargs):
        calls.append(path)
        if len(calls) < 4:  # a helper process is still writing into Default
            raise OSError(39, "Directory not empty", "Default")
        return real(path, *args, **kwargs)

    monkeypatch.setattr(browser.shutil, "rmtree", busy_then_free)
    monkeypatch.setattr(browser.time, "sleep", lambda s: None)
    browser._remove_profile(profile)
    assert not profile.exists() and len(calls) == 4


def test_profile_that_will_not_go_is_logged_not_raised(tmp_path, monkeypatch, caplog):
    profile = tmp_path / "stuck"
    profile.mkdir()

    def never(path, *args, **kwargs):
        raise OSError(39, "Directory not empty", "Default")

    monkeypatch.setattr(browser.shutil, "rmtree", never)
    monkeypatch.setattr(browser.time, "sleep", lambda s: None)
    with caplog.at_level(logging.WARNING, logger="workbench.maps.browser"):
        browser._remove_profile(profile, attempts=3)
    assert "Could not remove the browser profile" in caplog.text


def test_missing_profile_is_fine(tmp_path):
    browser._remove_profile(tmp_path / "gone")
