"""Known mistakes for mc-dropout."""
from torchdojo.grading.mutants import Mutant

ENABLE = """    model.eval()
    for module in model.modules():
        if isinstance(module, DROPOUT_TYPES):
            module.train()
"""
PASSES = "logits = torch.stack([model(x) for _ in range(passes)])  # (passes, N, C)"
RESTORE = "            module.training = training  # per module: train()/eval() would set the children too"

MUTANTS = [
    Mutant("model-train-mode",
           "the model is put in train mode for the passes: dropout is on, but BatchNorm normalises with each "
           "batch's statistics and overwrites its running statistics; use model.eval(), then switch only the "
           "dropout layers back on",
           replace={ENABLE: "    model.train()\n"}),
    Mutant("eval-everywhere",
           "the model is in eval mode everywhere, so dropout does nothing and the 100 passes are identical: MC "
           "dropout needs the dropout layers in training mode at inference",
           replace={ENABLE: "    model.eval()\n"}),
    Mutant("only-top-level-dropout",
           "only the model's direct children are searched for dropout (model.children()): the dropout inside a "
           "sub-module stays off; walk model.modules(), which visits the whole tree",
           replace={"    for module in model.modules():\n        if isinstance(module, DROPOUT_TYPES)":
                    "    for module in model.children():\n        if isinstance(module, DROPOUT_TYPES)"}),
    Mutant("only-nn-dropout",
           "only nn.Dropout layers are switched on: nn.Dropout2d (and Dropout1d/3d, AlphaDropout) are not subclasses "
           "of nn.Dropout, so they stay off; test for nn.modules.dropout._DropoutNd, their common base class",
           replace={"DROPOUT_TYPES = (nn.modules.dropout._DropoutNd,)": "DROPOUT_TYPES = (nn.Dropout,)"}),
    Mutant("softmax-over-batch",
           "the softmax runs over the images of the batch (dim=1 of the (passes, N, C) stack), not over the "
           "classes: a pass's probabilities no longer sum to 1; use dim=-1",
           replace={"F.softmax(logits, dim=-1)": "F.softmax(logits, dim=1)"}),
    Mutant("mean-of-logits",
           "the mean is the softmax of the average logits, not the average of the passes' probabilities: the MC "
           "predictive distribution averages probabilities (softmax is not linear)",
           replace={"return samples.mean(dim=0), samples": "return F.softmax(logits.mean(dim=0), dim=-1), samples"}),
    Mutant("same-mask-every-pass",
           "the random seed is reset before every pass, so every pass draws the same dropout mask and the 100 "
           "passes are identical: seed once (or not at all), outside the loop",
           replace={PASSES: "logits = torch.stack([(torch.manual_seed(0), model(x))[1] for _ in range(passes)])"}),
    Mutant("cat-not-stack",
           "the passes are concatenated along the batch (torch.cat) instead of stacked in a new first dimension "
           "(torch.stack): samples must be (passes, N, C)",
           replace={PASSES: "logits = torch.cat([model(x) for _ in range(passes)])"}),
    Mutant("modes-not-restored",
           "mc_predict leaves the model in MC mode (dropout on): a plain evaluation afterwards is random; remember "
           "each module's .training and restore it",
           replace={RESTORE: "            pass"}),
    Mutant("no-no-grad",
           "the passes run with autograd on: each builds a graph that the outputs keep alive (memory for 100 "
           "graphs); wrap inference in torch.no_grad()",
           replace={"        with torch.no_grad():  # inference": "        if True:  # inference"}),
    Mutant("histogram-of-mean-probabilities",
           "the histogram holds the average probability of each class, not the number of passes voting for it: "
           "count the argmax of each pass (torch.bincount)",
           replace={"counts = torch.bincount(votes, minlength=num_classes)": "counts = probabilities.mean(dim=0)"}),
    Mutant("argmax-over-passes",
           "each class's vote is taken over the passes (argmax(dim=0)) instead of each pass's vote over the classes "
           "(argmax(dim=1))",
           replace={"votes = probabilities.argmax(dim=1)": "votes = probabilities.argmax(dim=0)"}),
    Mutant("figure-not-saved",
           "the figure is shown (plt.show()) but never saved, so there is no PNG at the path: call "
           "fig.savefig(path) before closing it",
           replace={"    fig.savefig(path)\n": "    plt.show()\n"}),
    Mutant("only-top-level-mode-restored",
           "only the model's own mode is put back (model.train(was)), which sets every sub-module to that one mode: "
           "a BatchNorm frozen in eval mode inside a train-mode model ends up in train mode; restore each module's "
           "own .training",
           replace={"        for module, training in modes.items():\n" + RESTORE + "\n":
                    "        model.train(modes[model])\n"}),
]
