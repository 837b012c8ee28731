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
    Mutant("first-example-detached",
           "first_example has the right values but no gradient reaches the batch: the result is cut from the "
           "autograd graph (.detach(), torch.tensor(...), NumPy); a slice batch[:1] keeps it",
           replace={"return batch[:1]": "return batch[:1].detach().clone()"}),
    Mutant("unsqueeze-in-place",
           "add_batch_dim changes the caller's example: unsqueeze_ (with the underscore) reshapes the tensor "
           "itself; unsqueeze(0) returns a new view and leaves the argument alone",
           replace={"return example.unsqueeze(0)  # (1, ...)": "return example.unsqueeze_(0)"}),
    Mutant("squeeze-in-place",
           "remove_batch_dim changes the caller's batch: squeeze_ (with the underscore) reshapes the tensor "
           "itself; squeeze(0) returns a new view and leaves the argument alone",
           replace={"return batch.squeeze(0)  # (...)": "return batch.squeeze_(0)"}),
    Mutant("flatten-assumes-images",
           "flatten_features unpacks the shape as (N, C, H, W), so it fails for batches of any other rank "
           "(vectors, sequences); flatten(start_dim=1) merges however many axes follow the batch",
           replace={"return batch.flatten(start_dim=1)  # (N, d1*d2*...)":
                    "n, c, h, w = batch.shape\n    return batch.reshape(n, c * h * w)"}),
    Mutant("flatten-loops-over-examples",
           "flatten_features flattens the examples one by one in a Python loop; flatten(start_dim=1) does the "
           "whole batch in one operation",
           replace={"return batch.flatten(start_dim=1)  # (N, d1*d2*...)":
                    "return torch.stack([example.flatten() for example in batch])"}),
    Mutant("flatten-through-numpy",
           "flatten_features gives the right numbers but fails once the batch requires grad: NumPy is outside "
           "autograd's graph; flatten(start_dim=1) or reshape do the same on the tensor",
           replace={"return batch.flatten(start_dim=1)  # (N, d1*d2*...)":
                    "return torch.from_numpy(batch.numpy().reshape(len(batch), -1))"}),
    Mutant("predict-flattens-example",
           "predict_one flattens the example while adding the batch dimension (view(1, -1)): fine for a model "
           "that starts with Flatten, wrong for a conv net; unsqueeze(0) keeps the example's own shape",
           replace={"batch = example.unsqueeze(0)  # (1, ...): the model expects a batch":
                    "batch = example.view(1, -1)"}),
    Mutant("predict-assumes-image",
           "predict_one unpacks the example as (C, H, W), so it fails for models that take vectors; "
           "unsqueeze(0) adds the batch dimension to an example of any shape",
           replace={"batch = example.unsqueeze(0)  # (1, ...): the model expects a batch":
                    "c, h, w = example.shape\n    batch = example.view(1, c, h, w)"}),
    Mutant("predict-squeezes-everything",
           "predict_one removes every size-1 dimension (squeeze()), so a model with one output returns a 0-dim "
           "scalar instead of shape (1,); squeeze(0) removes the batch dimension only",
           replace={"return output.squeeze(0)  # (K,)": "return output.squeeze()"}),
    Mutant("predict-sets-eval",
           "predict_one calls model.eval() and leaves the caller's model in eval mode: training that goes on "
           "afterwards runs without dropout and with frozen BatchNorm statistics; leave the mode alone, or restore "
           "it (was = model.training; model.eval(); ...; model.train(was))",
           replace={"    output = model(batch)  # (1, K)\n": "    model.eval()\n    output = model(batch)  # (1, K)\n"}),
    Mutant("predict-unsqueezes-in-place",
           "predict_one changes the caller's example (unsqueeze_ turns it into a batch of one for good); "
           "unsqueeze(0) gives the model a batch and leaves the example alone",
           replace={"batch = example.unsqueeze(0)  # (1, ...): the model expects a batch":
                    "batch = example.unsqueeze_(0)"}),
]
