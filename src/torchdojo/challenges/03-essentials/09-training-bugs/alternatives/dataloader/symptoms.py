"""What each script showed before its fix."""

SYMPTOMS = {
    "script_a": "E",
    "script_b": "A",
    "script_c": "F",
    "script_d": "D",
    "script_e": "C",
    "script_f": "B",
}


def symptoms() -> dict[str, str]:
    return dict(SYMPTOMS)
