"""Named exit codes: every command returns one of these, so scripts and CI can branch on them."""
from enum import IntEnum


class ExitCode(IntEnum):
    OK = 0
    CHECK_FAILED = 1  # the learner's code was graded and at least one check did not pass
    USAGE = 2  # bad arguments (typer/click use 2 as well)
    UNKNOWN_CHALLENGE = 3
    NO_WORKSPACE = 4
    FILE_NOT_FOUND = 5
    STORE_ERROR = 6  # progress file corrupt, foreign or locked
    NOT_ALLOWED = 7  # e.g. asking for a solution before any attempt
    DATA_MISSING = 8  # a dataset is absent and cannot be downloaded (or a challenge's other requirement, a GPU)
    BAD_FILE = 9  # an input file is there but unusable: truncated, corrupt or the wrong kind
    INTERNAL = 70  # a bug in torchdojo (or a broken installation), not something the user did
    INTERRUPTED = 130  # Ctrl-C, as shells report it (128 + SIGINT)
