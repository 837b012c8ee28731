"""What each script showed before you fixed it.

Each of script_a.py ... script_f.py has exactly one bug (common.py has none). Run every script as it
came (`python script_a.py`), watch its loss and validation accuracy, fix its bug, and name here the
symptom it showed: one letter per script from the list in the statement (`torchdojo start
training-bugs` shows it again).

Run `torchdojo check training-bugs` to grade this folder.
"""


def symptoms() -> dict[str, str]:
    """{'script_a': letter, ..., 'script_f': letter}, each letter one of A-G."""
    # TODO: one letter per script, e.g. {"script_a": "G", "script_b": "G", ...}
    raise NotImplementedError("TODO: name the symptom (a letter A-G) each script showed before its fix")
