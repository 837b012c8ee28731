"""Monte Carlo dropout: many stochastic forward passes with dropout on and BatchNorm in eval mode, their
mean probability, and a histogram of the class each pass votes for."""
import matplotlib

matplotlib.use("Agg")  # draw into files, no window (works on a server, in CI, in the grader)
import matplotlib.pyplot as plt  # noqa: E402 - after choosing the backend
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from torch import nn  # noqa: E402

# Every dropout layer torch has derives from this base class: Dropout, Dropout1d/2d/3d, AlphaDropout, ...
DROPOUT_TYPES = (nn.modules.dropout._DropoutNd,)


def enable_mc_dropout(model: nn.Module) -> None:
    """Eval mode everywhere (BatchNorm uses its running statistics and leaves them alone), then dropout
    back on: model.modules() walks the whole tree, so dropout inside sub-modules is switched on too."""
    model.eval()
    for module in model.modules():
        if isinstance(module, DROPOUT_TYPES):
            module.train()


def mc_predict(model: nn.Module, x: torch.Tensor, passes: int = 100) -> tuple[torch.Tensor, torch.Tensor]:
    """(mean, samples): samples (passes, N, C) holds the softmax probabilities of each stochastic pass,
    mean (N, C) their average, the MC estimate of the predictive distribution."""
    modes = {module: module.training for module in model.modules()}  # to put the model back as it was
    enable_mc_dropout(model)
    try:
        with torch.no_grad():  # inference: no graph for 100 passes (memory and time)
            # A new dropout mask at every call: the passes differ, which is the whole point.
            logits = torch.stack([model(x) for _ in range(passes)])  # (passes, N, C)
    finally:
        for module, training in modes.items():
            module.training = training  # per module: train()/eval() would set the children too
    samples = F.softmax(logits, dim=-1)  # over the classes: each pass's row sums to 1
    # The predictive distribution is the average of the passes' PROBABILITIES (Gal & Ghahramani, eq. 8);
    # the softmax of the average logit is another, sharper thing.
    return samples.mean(dim=0), samples


def class_histogram(probabilities: torch.Tensor, path: str, class_names: list[str] | None = None) -> torch.Tensor:
    """For ONE image's MC samples (passes, C): how many passes vote for each class (the argmax of each
    pass), as an int64 tensor (C,); the bar chart of those counts is saved as a PNG at `path`."""
    num_classes = probabilities.shape[1]
    votes = probabilities.argmax(dim=1)  # (passes,): the class each pass predicts
    counts = torch.bincount(votes, minlength=num_classes)  # (C,), int64, sums to the number of passes
    names = class_names if class_names is not None else [str(k) for k in range(num_classes)]
    fig, ax = plt.subplots(figsize=(7, 4))
    ax.bar(range(num_classes), counts.tolist(), color="tab:blue")
    ax.set_xticks(range(num_classes), names, rotation=45, ha="right")
    ax.set_ylabel("passes voting for the class")
    ax.set_title(f"MC dropout: {len(votes)} passes for one image")
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)  # figures stay in memory until closed
    return counts
