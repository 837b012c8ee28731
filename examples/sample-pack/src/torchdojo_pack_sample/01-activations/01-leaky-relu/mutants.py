"""Known mistakes for leaky-relu."""
from torchdojo.grading.mutants import Mutant

LINE = "return torch.where(x > 0, x, negative_slope * x)"

MUTANTS = [
    Mutant("fixed-slope", "the slope is always 0.01: use the negative_slope you were given",
           replace={LINE: "return torch.where(x > 0, x, 0.01 * x)"}),
    Mutant("plain-relu", "negative inputs become 0 (that is ReLU): multiply them by negative_slope instead",
           replace={LINE: "return torch.where(x > 0, x, 0 * x)"}),
    Mutant("branches-swapped", "the slope is applied to the positive inputs and the negatives pass unchanged: "
           "swap the two branches of torch.where",
           replace={LINE: "return torch.where(x > 0, negative_slope * x, x)"}),
    Mutant("detached", "the result is cut from the autograd graph (.detach()), so no gradient reaches x",
           replace={LINE: "return torch.where(x > 0, x, negative_slope * x).detach()"}),
    Mutant("float32-cast", "the result is cast to float32 (.float()), so a float64 input loses its precision: "
           "keep x's dtype",
           replace={LINE: "return torch.where(x > 0, x, negative_slope * x).float()"}),
    Mutant("delegates", "leaky_relu calls F.leaky_relu: the challenge is to write it with tensor operations",
           replace={LINE: "return torch.nn.functional.leaky_relu(x, negative_slope)"}),
]
