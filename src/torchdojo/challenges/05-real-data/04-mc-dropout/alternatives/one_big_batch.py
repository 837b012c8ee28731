"""All passes in ONE forward call: the batch repeated `passes` times (each row gets its own dropout mask),
a context manager that switches the modes and puts them back, one-hot counts and plt.bar."""
import contextlib

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import torch  # noqa: E402
from torch import nn  # noqa: E402


@contextlib.contextmanager
def mc_mode(model):
    saved = [(m, m.training) for m in model.modules()]
    model.eval()
    for m in model.modules():
        if isinstance(m, (nn.Dropout, nn.Dropout1d, nn.Dropout2d, nn.Dropout3d, nn.AlphaDropout)):
            m.train()
    try:
        yield model
    finally:
        for m, training in saved:
            m.training = training


@torch.no_grad()
def mc_predict(model, x, passes=100):
    with mc_mode(model):
        big = x.repeat(passes, *([1] * (x.dim() - 1)))  # (passes * N, ...): pass-major
        logits = model(big).reshape(passes, x.shape[0], -1)
    probs = (logits - logits.logsumexp(dim=-1, keepdim=True)).exp()  # softmax over the classes, by hand
    return probs.mean(0), probs


def class_histogram(probabilities, path, class_names=None):
    counts = nn.functional.one_hot(probabilities.argmax(-1), probabilities.shape[-1]).sum(0)
    plt.figure(figsize=(8, 4))
    plt.bar(class_names or [str(i) for i in range(len(counts))], counts.numpy())
    plt.xticks(rotation=30)
    plt.savefig(path)
    plt.close()
    return counts
