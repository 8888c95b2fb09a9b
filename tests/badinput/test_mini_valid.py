"""The small study the bad-input corpus breaks is itself valid (exit 0)."""

from badinput_helpers import write_toml


def test_mini_study_is_valid(mini, run_validate, tmp_path):
    rc, out, err = run_validate(write_toml(tmp_path / "area.toml", mini))
    assert rc == 0, err
    assert "every file balanced" in out
    assert "All 3 months of 2021-01 to 2021-03 are held" in out
