"""Known mistakes for fashion-mnist-classifier (each one retrains: the grading runs every check)."""
from torchdojo.grading.mutants import Mutant

FORWARD = "return self.head(self.features(x).flatten(1))"
LOSS = "F.cross_entropy(model(images[batch]), labels[batch])"

MUTANTS = [
    Mutant("softmax-in-forward",
           "forward ends with a softmax, so the model outputs probabilities and CrossEntropyLoss applies a second "
           "softmax on top: return the raw logits and let the loss do the log-softmax",
           replace={FORWARD: "return F.softmax(self.head(self.features(x).flatten(1)), dim=1)"}),
    Mutant("no-nonlinearity",
           "the layers are stacked without an activation, so the whole network is one linear map (a linear "
           "classifier, about 84% here): put nn.ReLU between the layers",
           replace={"nn.Conv2d(1, 32, kernel_size=3, stride=2), nn.ReLU(),": "nn.Conv2d(1, 32, kernel_size=3, stride=2),",
                    "nn.Conv2d(32, 64, kernel_size=3, stride=2), nn.ReLU(),": "nn.Conv2d(32, 64, kernel_size=3, stride=2),"}),
    Mutant("softmax-before-cross-entropy",
           "the loss is computed on softmax probabilities: F.cross_entropy applies log-softmax itself, and a softmax "
           "before it squashes the gradients so the model learns slowly; pass the logits",
           replace={LOSS: "F.cross_entropy(F.softmax(model(images[batch]), dim=1), labels[batch])"}),
    Mutant("learning-rate-too-large",
           "the learning rate is far too large (1.0 for Adam): the weights jump past every minimum and the model "
           "ends no better than guessing; Adam works around 1e-3",
           replace={"MAX_LR = 3, 128, 3e-3": "MAX_LR = 3, 128, 1.0"}),
    Mutant("forgot-zero-grad",
           "gradients are never cleared: backward() adds to .grad, so each step follows the sum of every gradient "
           "so far; call optimizer.zero_grad() before loss.backward()",
           replace={"optimizer.zero_grad()": "pass"}),
    Mutant("optimizer-on-another-model",
           "the optimizer is built over a new Classifier's parameters, not the model fit was given: that model's "
           "weights never change; use torch.optim.Adam(model.parameters())",
           replace={"torch.optim.Adam(model.parameters(), lr=MAX_LR)": "torch.optim.Adam(Classifier().parameters(), lr=MAX_LR)"}),
    Mutant("normalise-in-place",
           "fit rescales the caller's images in place (images.sub_(0.5).div_(0.5)): the data it was given is "
           "changed, and the model learns on inputs unlike the [0, 1] images it is tested on; normalise a copy, "
           "or inside forward",
           replace={"    model.train()\n": "    images.sub_(0.5).div_(0.5)  # to [-1, 1]\n    model.train()\n"}),
]
