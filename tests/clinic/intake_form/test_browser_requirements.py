"""The browser tests skip without Chromium or axe-core, except on CI, where they fail."""

from __future__ import annotations

import pytest

from tests.clinic.intake_form.test_intake_browser import _require


def test_a_missing_browser_skips_off_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="no chromium"):
        _require(False, "no chromium")


def test_a_missing_browser_fails_on_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="required on CI"):
        _require(False, "no chromium")


def test_a_present_browser_neither_skips_nor_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CI", "true")
    _require(True, "no chromium")
