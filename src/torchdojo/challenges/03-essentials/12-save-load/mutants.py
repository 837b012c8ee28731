"""Known mistakes for save-load."""
from torchdojo.grading.mutants import Mutant

MUTANTS = [
    Mutant("optimizer-state-not-saved",
           "the checkpoint leaves out the optimizer: after resuming, SGD's momentum starts from zero and training "
           "diverges from the uninterrupted run; save optimizer.state_dict() and load it",
           replace={"        \"optimizer\": optimizer.state_dict(),  # momentum buffers, Adam's moments, per-group lrs\n": "",
                    "    optimizer.load_state_dict(checkpoint[\"optimizer\"])\n": ""}),
    Mutant("rng-not-restored",
           "the random number generator is not restored: after resuming, dropout masks and shuffling differ from "
           "the uninterrupted run; save torch.get_rng_state() and restore it with torch.set_rng_state",
           replace={"    torch.set_rng_state(checkpoint[\"rng\"])  # last: nothing above may draw random numbers after it\n": ""}),
    Mutant("scheduler-not-saved",
           "the checkpoint leaves out the scheduler: after resuming, the schedule starts over; save "
           "scheduler.state_dict() and load it",
           replace={"    scheduler.load_state_dict(checkpoint[\"scheduler\"])\n": ""}),
    Mutant("saves-model-object",
           "save_weights pickles the whole model with torch.save(model): loading it needs the class's code and "
           "weights_only=False; save model.state_dict() instead",
           replace={"torch.save(model.state_dict(), path)": "torch.save(model, path)",
                    "state = torch.load(path, map_location=\"cpu\", weights_only=True)":
                    "state = torch.load(path, map_location=\"cpu\", weights_only=False).state_dict()"}),
    Mutant("loads-with-weights-only-false",
           "load_weights uses torch.load(..., weights_only=False), which runs whatever code a file asks for; "
           "use weights_only=True",
           replace={"state = torch.load(path, map_location=\"cpu\", weights_only=True)":
                    "state = torch.load(path, map_location=\"cpu\", weights_only=False)"}),
    Mutant("parameters-only",
           "save_weights saves model.named_parameters(), not model.state_dict(): BatchNorm's running statistics "
           "(buffers) are lost; save the state_dict",
           replace={"torch.save(model.state_dict(), path)": "torch.save(dict(model.named_parameters()), path)"}),
    Mutant("checkpoint-holds-objects",
           "the checkpoint pickles the optimizer and scheduler objects themselves: it cannot be read with "
           "weights_only=True; save their state_dict()s",
           replace={"\"optimizer\": optimizer.state_dict(),": "\"optimizer\": optimizer,",
                    "\"scheduler\": scheduler.state_dict(),": "\"scheduler\": scheduler,",
                    "checkpoint = torch.load(path, map_location=\"cpu\", weights_only=True)":
                    "checkpoint = torch.load(path, map_location=\"cpu\", weights_only=False)",
                    "optimizer.load_state_dict(checkpoint[\"optimizer\"])":
                    "optimizer.load_state_dict(checkpoint[\"optimizer\"].state_dict())",
                    "scheduler.load_state_dict(checkpoint[\"scheduler\"])":
                    "scheduler.load_state_dict(checkpoint[\"scheduler\"].state_dict())"}),
    Mutant("epoch-off-by-one",
           "load_checkpoint returns one epoch too many, so the resumed run skips an epoch: the checkpoint's epoch "
           "already counts the finished epochs",
           replace={"    return checkpoint[\"epoch\"]": "    return checkpoint[\"epoch\"] + 1"}),
]
