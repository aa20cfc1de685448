"""The course's relative error and the description of a difference."""

import numpy as np
import pytest

from autograder.numerics import difference, relative_error


def test_relative_error_definition():
    a, b = np.array([1.0, 0.0, -2.0]), np.array([1.1, 0.0, -2.0])
    expected = 0.1 / 2.1  # max over elements of |a-b| / max(1e-8, |a|+|b|)
    assert relative_error(a, b) == pytest.approx(expected)
    assert relative_error(b, a) == relative_error(a, b)


def test_relative_error_floor_for_zeros():
    assert relative_error(np.zeros(3), np.zeros(3)) == 0.0
    assert relative_error(np.array([1e-9]), np.array([0.0])) == pytest.approx(1e-9 / 1e-8)


def test_difference_none_within_tolerance():
    assert difference(np.array([1.0, 2.0]), np.array([1.0, 2.0 + 1e-12]), rtol=1e-6, atol=1e-9) is None


def test_difference_reports_first_bad_index_in_row_major_order():
    expected = np.zeros((2, 3))
    actual = expected.copy()
    actual[1, 0], actual[0, 2] = 5.0, 1.0
    d = difference(actual, expected, rtol=1e-6, atol=1e-9)
    assert d.index == (0, 2) and d.actual == 1.0 and d.expected == 0.0
    assert d.max_abs_error == 5.0
    assert "index (0, 2)" in d.describe()


def test_nan_is_never_close():
    assert difference(np.array([np.nan]), np.array([1.0]), rtol=1, atol=1) is not None
