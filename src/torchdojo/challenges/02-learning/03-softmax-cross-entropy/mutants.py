"""Known mistakes for softmax-cross-entropy."""
from torchdojo.grading.mutants import Mutant

ONE_HOT_LOOP = '''
def one_hot(labels: torch.Tensor, num_classes: int) -> torch.Tensor:
    flat = labels.reshape(-1)
    encoded = torch.zeros(len(flat), num_classes, dtype=torch.long)
    for row, label in enumerate(flat):
        encoded[row, label] = 1
    return encoded.reshape(*labels.shape, num_classes)


def _reduce('''

MUTANTS = [
    Mutant("no-max-subtraction",
           "your softmax matches a common mistake: exp of the raw logits overflows (exp(89) is inf in float32), so "
           "large logits give NaN; subtract the largest logit along dim first: softmax(x) = softmax(x − max x)",
           replace={"exps = torch.exp(logits - biggest)": "exps = torch.exp(logits)"}),
    Mutant("softmax-ignores-dim",
           "your softmax always normalises over the last dimension, whatever `dim` says: use dim=dim (and "
           "keepdim=True) in both the max and the sum",
           replace={"biggest = logits.amax(dim=dim, keepdim=True)": "biggest = logits.amax(dim=-1, keepdim=True)",
                    "return exps / exps.sum(dim=dim, keepdim=True)": "return exps / exps.sum(dim=-1, keepdim=True)"}),
    Mutant("softmax-over-everything",
           "your softmax divides by the sum of the whole tensor, so the probabilities of all rows together add "
           "up to 1; sum along `dim` only, with keepdim=True",
           replace={"return exps / exps.sum(dim=dim, keepdim=True)": "return exps / exps.sum()"}),
    Mutant("in-place-shift",
           "your softmax subtracts the max from the logits in place (`logits -= …` / `.sub_()`), which changes the "
           "caller's tensor; compute `logits - biggest` as a new tensor",
           replace={"exps = torch.exp(logits - biggest)": "exps = torch.exp(logits.sub_(biggest))"}),
    Mutant("one-hot-classes-from-labels",
           "your one_hot takes the number of classes from the largest label in the batch, not from num_classes: a "
           "batch without the last classes gets too few columns",
           replace={"classes = torch.arange(num_classes, device=labels.device)":
                    "classes = torch.arange(int(labels.max()) + 1, device=labels.device)"}),
    Mutant("one-hot-float",
           "your one_hot returns floats; F.one_hot returns int64 class indicators (convert with .float() where a "
           "loss needs it)",
           replace={"return (labels.unsqueeze(-1) == classes).long()": "return (labels.unsqueeze(-1) == classes).float()"}),
    Mutant("one-hot-loop",
           "your one_hot fills the rows one by one in a Python loop; compare all labels with torch.arange(num_classes) "
           "at once (broadcasting)",
           replace={"\n\ndef _reduce(": ONE_HOT_LOOP}),
    Mutant("ce-on-probabilities",
           "your cross_entropy treats its input as probabilities and takes their log directly: logits are raw "
           "scores (negative ones give NaN); take the log-softmax of the logits",
           replace={"log_probs = log_softmax(logits, dim=1)": "log_probs = torch.log(logits)"}),
    Mutant("ce-double-softmax",
           "your cross_entropy applies softmax to the logits and then the log-softmax again, as a model that ends in "
           "softmax and is trained with nn.CrossEntropyLoss does: the loss is squashed and wrong; give it the logits",
           replace={"log_probs = log_softmax(logits, dim=1)": "log_probs = log_softmax(softmax(logits, dim=1), dim=1)"}),
    Mutant("ce-log-of-softmax",
           "your cross_entropy takes log(softmax(x)): a class far behind has probability exactly 0, log 0 = −inf, "
           "so large logits give an infinite loss; compute the log-softmax directly, (x − m) − log Σ exp(x − m)",
           replace={"log_probs = log_softmax(logits, dim=1)": "log_probs = torch.log(softmax(logits, dim=1))"}),
    Mutant("ce-mean-over-classes",
           "your cross_entropy averages the one-hot-weighted log-probabilities over the classes too, dividing the "
           "loss by C: sum over the classes (one term survives), then average over the examples",
           replace={"picked = log_probs.gather(1, target.unsqueeze(1)).squeeze(1)":
                    "picked = (one_hot(target, logits.shape[1]) * log_probs).mean(dim=1)"}),
    Mutant("mean-is-sum",
           "your 'mean' reduction adds the losses up instead of averaging them, so the loss (and every gradient) "
           "grows with the batch size; divide by the number of examples",
           replace={"return losses.mean()": "return losses.sum()"}),
    Mutant("sum-reduction-ignored",
           "your losses ignore reduction='sum' (they return the per-example losses); 'sum' must add them up",
           replace={"    if reduction == \"sum\":\n        return losses.sum()\n": ""}),
    Mutant("bce-through-sigmoid",
           "your binary cross-entropy takes log(sigmoid(z)) and log(1 − sigmoid(z)): sigmoid(20) is exactly 1.0 in "
           "float32, so large logits give log 0 = −inf and NaN; use max(z, 0) − z·y + log(1 + exp(−|z|))",
           replace={"losses = logits.clamp(min=0) - logits * target + torch.log1p(torch.exp(-logits.abs()))":
                    "p = torch.sigmoid(logits)\n"
                    "    losses = -(target * torch.log(p) + (1 - target) * torch.log(1 - p))"}),
    Mutant("bce-exp-overflow",
           "your binary cross-entropy computes log(1 + exp(−z)) without the absolute value: exp(−z) overflows for "
           "very negative z; use max(z, 0) − z·y + log(1 + exp(−|z|))",
           replace={"torch.log1p(torch.exp(-logits.abs()))": "torch.log1p(torch.exp(-logits))"}),
    Mutant("bce-target-flipped",
           "your binary cross-entropy swaps y and 1 − y: it rewards the wrong class; the term −z·y comes from "
           "y·log σ(z) + (1 − y)·log(1 − σ(z))",
           replace={"- logits * target +": "- logits * (1 - target) +"}),
    Mutant("calls-private-softmax",
           "your softmax calls torch._softmax, the kernel behind torch.softmax: this challenge is to write it "
           "yourself (max, exp, sum)",
           replace={"    biggest = logits.amax(dim=dim, keepdim=True)  # keepdim: it broadcasts back against `logits`\n":
                    "    return torch._softmax(logits, dim, False)\n"}),
    Mutant("calls-built-in-softmax",
           "your softmax calls torch's softmax: this challenge is to write it yourself (max, exp, sum)",
           replace={"    biggest = logits.amax(dim=dim, keepdim=True)  # keepdim: it broadcasts back against `logits`\n":
                    "    return torch.softmax(logits, dim=dim)\n"}),
]
