"""The test tiers' rules: with CI=true a skipped test fails (CI must cover everything); without CI it skips."""

import pytest

INNER = """
import pytest

def test_needs_something_missing():
    pytest.skip("no GPU here")

def test_fine():
    pass
"""


@pytest.fixture
def inner(pytester):
    pytester.makeconftest("from tests.conftest import pytest_make_collect_report, pytest_runtest_makereport\n")
    pytester.makepyfile(test_inner=INNER)
    return pytester


def test_a_skip_fails_under_ci(inner, monkeypatch):
    monkeypatch.setenv("CI", "true")
    result = inner.runpytest_inprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["*CI=true allows no skip*no GPU here*"])


def test_a_skip_stays_a_skip_outside_ci(inner, monkeypatch):
    monkeypatch.delenv("CI", raising=False)
    inner.runpytest_inprocess("-p", "no:cacheprovider").assert_outcomes(passed=1, skipped=1)


def test_a_module_level_skip_fails_under_ci(pytester, monkeypatch):
    monkeypatch.setenv("CI", "true")
    pytester.makeconftest("from tests.conftest import pytest_make_collect_report, pytest_runtest_makereport\n")
    pytester.makepyfile(test_module="import pytest\npytest.importorskip('no_such_module_here')\n\ndef test_x():\n    pass\n")
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider")
    assert result.ret != 0
