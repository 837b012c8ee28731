"""Hidden checks for leaky-relu: run by a teacher's `torchdojo grade`, not by the learner's `check`
(their report says that more checks exist)."""
import torch.nn.functional as F

from torchdojo.grading.expect import expect_close, randn, rng


def check_other_slopes(learner):
    """Slopes 0 (plain ReLU), 0.5 and 0.9 all match F.leaky_relu."""
    x = randn(rng(40), 9, 4) * 2
    for slope in (0.0, 0.5, 0.9):
        expect_close(learner.leaky_relu(x, slope), F.leaky_relu(x, slope), what=f"leaky_relu(x, {slope})")
