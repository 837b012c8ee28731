"""Known mistakes for custom-mse."""
from torchdojo.grading.mutants import Mutant

SQUARED = "return (errors**2).mean()"
ERRORS = "errors = predictions - ground_truth"

MUTANTS = [
    Mutant("sum-not-mean",
           "your output matches a common mistake: the squared errors are summed, not averaged; use .mean() "
           "so the loss does not grow with the batch size",
           replace={SQUARED: "return (errors**2).sum()"}),
    Mutant("abs-not-square",
           "your output matches a common mistake: that is the mean absolute error (L1); square the errors instead",
           replace={SQUARED: "return errors.abs().mean()"}),
    Mutant("square-of-mean",
           "your output matches a common mistake: you squared the mean error, (mean(d))², where positive and "
           "negative errors cancel; average the squared errors, mean(d²)",
           replace={SQUARED: "return errors.mean() ** 2"}),
    Mutant("root-mean-square",
           "your output matches a common mistake: that is the root mean squared error (RMSE); drop the square root",
           replace={SQUARED: "return (errors**2).mean().sqrt()"}),
    Mutant("mean-over-one-dim",
           "your output matches a common mistake: .mean(dim=0) averages over the batch only and leaves one value "
           "per column; call .mean() with no dim to average over every element",
           replace={SQUARED: "return (errors**2).mean(dim=0)"}),
    Mutant("divides-by-batch-size",
           "your output matches a common mistake: sum()/len(x) divides by the number of rows, not the number of "
           "elements; use .mean() (or divide by x.numel())",
           replace={SQUARED: "return (errors**2).sum() / len(predictions)"}),
    Mutant("returns-python-float",
           "your output matches a common mistake: the loss comes back as a Python number (.item(), float()), "
           "which cannot backpropagate; return the 0-dim tensor itself",
           replace={SQUARED: "return (errors**2).mean().item()"}),
    Mutant("rewrapped-in-torch-tensor",
           "the loss has the right value but is cut from the autograd graph, so loss.backward() never reaches "
           "the model; usual causes: torch.tensor(...) around a computed value, .item(), .detach() or a trip "
           "through NumPy; return the tensor the operations produced",
           replace={SQUARED: "return torch.tensor((errors**2).mean().item())"}),
    Mutant("module-without-super-init",
           "your output matches a common mistake: MSELoss.__init__ does not call super().__init__(), so the "
           "module cannot be called; call it first in __init__",
           replace={"        super().__init__()  # an nn.Module": "        pass  # an nn.Module"}),
    Mutant("ground-truth-detached",
           "the ground truth is detached, so it gets no gradient; F.mse_loss is differentiable in both "
           "arguments (a target made by another network must learn too): subtract ground_truth itself",
           replace={ERRORS: "errors = predictions - ground_truth.detach()"}),
    Mutant("in-place-subtraction",
           "the errors are computed in place (predictions.sub_(ground_truth)), which overwrites the caller's "
           "predictions; use predictions - ground_truth, a new tensor",
           replace={ERRORS: "errors = predictions.sub_(ground_truth)"}),
    Mutant("calls-f-mse-loss",
           "the loss calls F.mse_loss: this challenge is to write it yourself, "
           "((predictions - ground_truth)**2).mean()",
           replace={SQUARED: "return nn.functional.mse_loss(predictions, ground_truth)"}),
    Mutant("huber-with-huge-delta",
           "the loss calls F.huber_loss with a huge delta (½·MSE, doubled): that is a built-in loss computing the "
           "squared errors for you, not the loss written by hand; ((predictions - ground_truth)**2).mean()",
           replace={SQUARED: "return 2 * nn.functional.huber_loss(predictions, ground_truth, delta=1e30)"}),
    Mutant("float64-weights-from-numpy",
           "the loss comes out as float64: a NumPy array (float64 by default) entered the computation and "
           "promoted the result; keep everything in torch operations on the inputs",
           replace={"import torch\n": "import numpy as np\nimport torch\n",
                    SQUARED: "return (errors**2 * torch.from_numpy(np.full(errors.shape, 1 / errors.numel()))).sum()"}),
    Mutant("python-loop",
           "the loss adds up the squared errors one element at a time in a Python loop; one tensor expression, "
           "(errors**2).mean(), does them all at once",
           replace={SQUARED: "return sum(e**2 for e in errors.reshape(-1)) / errors.numel()"}),
]
