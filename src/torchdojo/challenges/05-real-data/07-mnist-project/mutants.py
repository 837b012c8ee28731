"""Known mistakes for mnist-project (edits of the solution folder; each applies to the file holding its text)."""
from torchdojo.grading.mutants import Mutant

MUTANTS = [
    Mutant("hard-coded-accuracy",
           "evaluate prints a fixed accuracy instead of measuring the saved model on the test split: the grader "
           "measures it itself and the numbers disagree",
           replace={'    print(f"Test accuracy: {accuracy:.2%}")': '    print("Test accuracy: 99.00%")'}),
    Mutant("pickled-module",
           "train saves the whole module with torch.save(model), a pickle of Python objects that "
           "torch.load(..., weights_only=True) refuses; save model.state_dict() and load it into a fresh Classifier",
           replace={"torch.save(model.state_dict(), weights)": "torch.save(model, weights)",
                    "    model = Classifier()\n    model.load_state_dict(torch.load(weights, weights_only=True))":
                    "    model = torch.load(weights, weights_only=False)"}),
    Mutant("blank-curve",
           "the training curve is saved from a new, empty figure (plt.figure() after plotting): the PNG is blank; "
           "plot on the figure you save, and save before closing it",
           replace={"    fig.savefig(path, dpi=100)": "    plt.figure(figsize=(8, 5)).savefig(path, dpi=100)"}),
    Mutant("crash-in-train",
           "train crashes at its first step: the loss compares a batch's logits with all 60,000 labels; index the "
           "labels with the same batch as the images",
           replace={"F.cross_entropy(model(images[batch]), labels[batch])": "F.cross_entropy(model(images[batch]), labels)"}),
    Mutant("linear-model",
           "model.py is a single linear layer on the pixels (no hidden layer, no non-linearity): it trains and "
           "evaluates, but stays below the target; use a small CNN",
           replace={"""        self.features = nn.Sequential(
            nn.Conv2d(1, 32, kernel_size=3, stride=2), nn.ReLU(),
            nn.Conv2d(32, 64, kernel_size=3, stride=2), nn.ReLU(),
        )
        self.head = nn.Linear(64 * 6 * 6, 10)""": """        self.features = nn.Identity()
        self.head = nn.Linear(28 * 28, 10)"""}),
]
