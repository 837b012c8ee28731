"""Known mistakes for custom-mse."""
from torchdojo.grading.mutants import Mutant

SQUARED = "return (errors**2).mean()"

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
           "your output matches a common mistake: .item() turns the loss into a Python float, which cannot "
           "backpropagate; return the 0-dim tensor itself",
           replace={SQUARED: "return (errors**2).mean().item()"}),
    Mutant("rewrapped-in-torch-tensor",
           "your output matches a common mistake: torch.tensor(...) copies the value into a new tensor with no "
           "history, so loss.backward() never reaches the model; return the computed tensor directly",
           replace={SQUARED: "return torch.tensor((errors**2).mean().item())"}),
    Mutant("module-without-super-init",
           "your output matches a common mistake: MSELoss.__init__ does not call super().__init__(), so the "
           "module cannot be called; call it first in __init__",
           replace={"        super().__init__()  # an nn.Module": "        pass  # an nn.Module"}),
]
