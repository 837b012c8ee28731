"""Known mistakes for batch-dimension."""
from torchdojo.grading.mutants import Mutant

MUTANTS = [
    Mutant("index-drops-batch",
           "your output matches a common mistake: batch[0] removes the batch dimension; slice with batch[:1] "
           "to keep it",
           replace={"return batch[:1]": "return batch[0]"}),
    Mutant("view-flattens-example",
           "your output matches a common mistake: view(1, -1) adds a batch dimension but also flattens the "
           "example; unsqueeze(0) inserts the new axis and keeps the others",
           replace={"return example.unsqueeze(0)  # (1, ...)": "return example.view(1, -1)"}),
    Mutant("unsqueeze-at-the-end",
           "your output matches a common mistake: the new size-1 axis went last; the batch dimension is the "
           "first one, unsqueeze(0)",
           replace={"return example.unsqueeze(0)  # (1, ...)": "return example.unsqueeze(-1)"}),
    Mutant("squeeze-everything",
           "your output matches a common mistake: squeeze() removes every size-1 dimension (a single channel, "
           "a single output); name the batch axis: squeeze(0)",
           replace={"return batch.squeeze(0)  # (...)": "return batch.squeeze()"}),
    Mutant("flattens-the-batch-too",
           "your output matches a common mistake: reshape(-1) flattens the batch dimension into the features; "
           "keep it with flatten(start_dim=1) or reshape(len(batch), -1)",
           replace={"return batch.flatten(start_dim=1)  # (N, d1*d2*...)": "return batch.reshape(-1)"}),
    Mutant("view-on-non-contiguous",
           "your output matches a common mistake: view fails on a non-contiguous (permuted) batch; use "
           "flatten(start_dim=1) or reshape, which copy when they must",
           replace={"return batch.flatten(start_dim=1)  # (N, d1*d2*...)": "return batch.view(batch.shape[0], -1)"}),
    Mutant("predict-without-batch",
           "your output matches a common mistake: the model gets the bare example; make it a batch of one "
           "with example.unsqueeze(0) before calling the model",
           replace={"batch = example.unsqueeze(0)  # (1, ...): the model expects a batch": "batch = example"}),
    Mutant("predict-keeps-batch",
           "your output matches a common mistake: the prediction still has its batch dimension (1, K); "
           "remove it with squeeze(0) or [0]",
           replace={"return output.squeeze(0)  # (K,)": "return output"}),
]
