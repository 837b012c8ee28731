"""Known mistakes for perceptron-trick."""
from torchdojo.grading.mutants import Mutant

BATCH_LOOP = """    for x_i, y_i in zip(X, y):
        error = y_i - predict(x_i, w, b)
        # New tensors rather than `w += ...`: the caller's w and b are left as they were.
        w = w + lr * error * x_i
        b = b + lr * error
"""
UPDATE = "        w = w + lr * error * x_i\n        b = b + lr * error\n"

MUTANTS = [
    Mutant("update-sign-flipped",
           "your update moves the line the wrong way: a positive point on the negative side must pull the line "
           "towards it, w ← w + lr·(y − ŷ)·x, not w − lr·(y − ŷ)·x",
           replace={UPDATE: "        w = w - lr * error * x_i\n        b = b - lr * error\n"}),
    Mutant("updates-correct-points",
           "your update moves the line for every point, also the ones already on the right side: only "
           "misclassified points move it (the error y − ŷ is 0 for the others)",
           replace={"error = y_i - predict(x_i, w, b)": "error = 2 * y_i - 1"}),
    Mutant("no-learning-rate",
           "your update ignores the learning rate: each mistake moves the line by the whole point, w ← w ± x; "
           "scale it, w ← w ± lr·x and b ← b ± lr",
           replace={UPDATE: "        w = w + error * x_i\n        b = b + error\n"}),
    Mutant("bias-never-updated",
           "your update never changes the bias, so the line stays through the origin and cannot separate data "
           "whose boundary is elsewhere; b ← b ± lr too",
           replace={"        b = b + lr * error\n": ""}),
    Mutant("batch-update",
           "your epoch judges every point by the line from the start of the epoch and moves it once for all "
           "mistakes: the perceptron trick goes point by point, each point judged by the line the previous one moved",
           replace={BATCH_LOOP:
                    "    error = y - predict(X, w, b)\n    w = w + lr * error @ X\n    b = b + lr * error.sum()\n"}),
    Mutant("strict-threshold",
           "your step uses z > 0: a point exactly on the line (z = 0) is predicted 0, but the step is 1 for z ≥ 0",
           replace={"return (X @ w + b >= 0).to(X.dtype)": "return (X @ w + b > 0).to(X.dtype)"}),
    Mutant("updates-callers-weights",
           "your epoch changes the caller's w in place (w += ...): whoever passed w finds it changed; compute new "
           "tensors, w = w + lr·error·x",
           replace={"        w = w + lr * error * x_i\n": "        w += lr * error * x_i\n"}),
    Mutant("random-start",
           "your training starts from random weights: the statement fixes w = 0, b = 0 so that a run can be "
           "reproduced and compared step by step",
           replace={"w = torch.zeros(X.shape[1], dtype=X.dtype)": "w = torch.randn(X.shape[1], dtype=X.dtype)"}),
    Mutant("plot-not-saved",
           "your train draws the figure but never saves it to plot_path: call fig.savefig(plot_path) (plt.show() "
           "writes no file)",
           replace={"    fig.savefig(path)\n": ""}),
]
