"""A torch operation that fails in the learner's code is shown with its operands: the learner's line,
each operand's shape and dtype, and what does not fit (issue: errors that lead somewhere)."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from torchdojo.catalog import catalog
from torchdojo.grading.operands import OperandWitness, operands_of
from torchdojo.grading.runner import grade


def failure(fn) -> str:
    with pytest.raises(Exception) as info:
        with OperandWitness():
            fn()
    return operands_of(info.value)


def test_a_matrix_product_says_which_sizes_differ_and_which_transpose_fits():
    x, w = torch.ones(32, 5), torch.ones(3, 5)
    text = failure(lambda: x @ w)
    assert "(32, 5) float32 @ (3, 5) float32" in text and "inner sizes 5 and 3 differ" in text
    assert "transposed, (5, 3), would fit" in text


def test_broadcasting_names_the_dimension():
    text = failure(lambda: torch.ones(4, 3) + torch.ones(4, 2))
    assert "shapes (4, 3) and (4, 2) do not broadcast: dimension -1 is 3 in one and 2 in the other" in text


def test_a_float64_leak_is_named():
    text = failure(lambda: torch.ones(2, 3) @ torch.from_numpy(np.ones((3, 2))))
    assert "dtypes differ (float32 and float64)" in text and "NumPy" in text


def test_linear_reads_the_weight_as_out_by_in():
    text = failure(lambda: torch.nn.functional.linear(torch.ones(2, 5), torch.ones(5, 3)))
    assert "with weight (5, 3) float32" in text and "input's last size 5 is not the weight's in_features 3" in text
    assert "did you build it (in, out)" in text


def test_the_first_failure_wins_and_the_error_is_unchanged():
    with pytest.raises(RuntimeError, match="cannot be multiplied") as info:
        with OperandWitness():
            torch.stack([torch.ones(2, 3) @ torch.ones(2, 3)])
    assert operands_of(info.value).startswith("matmul") or "@" in operands_of(info.value)


def test_the_report_shows_the_operands_beside_the_learners_line():
    challenge = catalog().get("linear-model")
    wrong = challenge.source("solution").replace("return x @ self.weight.T + self.bias",
                                                 "return x @ self.weight + self.bias")
    report = grade(challenge, wrong, label="linear_model.py", match_mistakes=False)
    errors = [r for r in report.results if "cannot be multiplied" in r.message]
    assert errors, [r.message for r in report.results]
    assert "linear_model.py:" in errors[0].message and "would fit: did you mean `.T`" in errors[0].message
