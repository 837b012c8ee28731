"""Known mistakes for export-for-production."""
from torchdojo.grading.mutants import Mutant

PROGRAM_EVAL = "    model.eval()\n    # Without dynamic_shapes"
EXPORT = "program = torch.export.export(model, (example,), dynamic_shapes=({0: batch},))"

MUTANTS = [
    Mutant("program-exported-in-train-mode",
           "the program was exported in train mode: dropout stays random and batch norm normalises with each batch's "
           "own statistics; call model.eval() before torch.export.export",
           replace={PROGRAM_EVAL: "    # Without dynamic_shapes"}),
    Mutant("static-batch-size",
           "the program was exported without dynamic_shapes, so it only accepts batches of the example's size; "
           "mark dimension 0 dynamic with torch.export.Dim",
           replace={EXPORT: "program = torch.export.export(model, (example,))"}),
    Mutant("dynamic-batch-bound-too-small",
           "the dynamic batch dimension has a max below the batch sizes served (Dim(max=16) refuses a batch of "
           "64); give the range every batch you will serve",
           replace={'torch.export.Dim("batch", min=1, max=4096)': 'torch.export.Dim("batch", min=1, max=16)'}),
    Mutant("pickled-module-instead-of-program",
           "the model was saved with torch.save(model): a pickle that names the Python class, which a serving "
           "process does not have; save torch.export.export(...) with torch.export.save",
           replace={"    torch.export.save(program, path)": "    torch.save(model, path)"}),
    Mutant("forward-in-train-mode-before-export",
           "a test forward pass ran in train mode before eval(): it updated batch norm's running statistics, so "
           "the exported model is no longer the trained one; call eval() before running anything",
           replace={PROGRAM_EVAL: "    model(example)  # a quick test that the model runs\n" + PROGRAM_EVAL}),
    Mutant("torchscript-in-train-mode",
           "the TorchScript module was saved in train mode, so dropout stays active when it is loaded; call "
           "model.eval() before torch.jit.script",
           replace={"    model.eval()  # the same reason": "    # the same reason"}),
    Mutant("torchscript-file-is-a-state-dict",
           "the TorchScript file holds only a state_dict: torch.jit.load needs a scripted module (code and "
           "weights); save torch.jit.script(model)",
           replace={"    scripted.save(path)": "    torch.save(model.state_dict(), path)"}),
]
