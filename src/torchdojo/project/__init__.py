"""The reference project: the course's final exercise (a CNN on Fashion-MNIST) as a model answer.

``model.py`` holds the network, ``data.py`` the data pipeline and ``run.py`` the train/evaluate
logic behind ``torchdojo train`` and ``torchdojo evaluate``.
"""


class RunError(Exception):
    """A run directory that cannot be used as asked (missing files, a finished run, ...).

    Defined here, away from torch, so the command line can catch it without importing torch."""


class RunFileCorrupt(RunError):
    """A file of a run directory is there but unusable; the message names it and what is wrong."""


class RunFileMissing(RunError):
    """The run directory, or a file it must hold, is not there; the message names the path."""
