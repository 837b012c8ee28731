"""Symptoms, grouped by letter (lower case is fine)."""

BY_LETTER = {"a": ["script_b"], "b": ["script_f"], "c": ["script_e"], "d": ["script_d"], "e": ["script_a"],
             "f": ["script_c"]}


def symptoms():
    return {script: letter for letter, scripts in BY_LETTER.items() for script in scripts}
