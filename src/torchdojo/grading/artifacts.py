"""Judging what the learner's code wrote to disk: images, TensorBoard event files.

The files are read here, in the grader, from the grading's scratch folder (see
:func:`~torchdojo.grading.expect.scratch_dir`); nothing is unpickled. Checkpoints are different:
a ``.pt`` file is loaded with ``weights_only=True`` in the learner's process, by an observer, and
only its tensors come back.
"""
from __future__ import annotations

from pathlib import Path

from torchdojo.grading.expect import CheckFailed, expect

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
MAX_PIXELS = 40_000_000  # a plot is far smaller; anything bigger is not a plot


def expect_png(path: Path, what: str, min_size: tuple[int, int] = (200, 150), min_colours: int = 3) -> "object":
    """`path` is a real PNG image of at least `min_size` (width, height) pixels that is not blank:
    it decodes, and holds at least `min_colours` colours with enough pixels off the background to
    be a drawing. Returns the decoded image as a (H, W, C) uint8 NumPy array."""
    import numpy as np
    from PIL import Image

    path = Path(path)
    expect(path.is_file(), f"{what}: no file at {path.name} (was it saved, with that name, in the current folder?)",
           f"png:missing:{what}", kind="artifact")
    with open(path, "rb") as stream:
        expect(stream.read(8) == PNG_SIGNATURE, f"{what}: {path.name} is not a PNG file (it does not start with the "
               "PNG signature); save with plt.savefig('….png') or fig.savefig", f"png:notpng:{what}", kind="artifact")
    try:
        Image.MAX_IMAGE_PIXELS = MAX_PIXELS
        with Image.open(path) as image:
            image.load()
            pixels = np.asarray(image.convert("RGB"))
    except Exception as exc:  # noqa: BLE001 - a damaged or hostile file: any decoder error
        raise CheckFailed(f"{what}: {path.name} cannot be decoded as an image ({type(exc).__name__}: "
                          f"{str(exc)[:120]}); was the figure saved completely?", f"png:corrupt:{what}",
                          kind="artifact") from None
    height, width = pixels.shape[:2]
    expect(width >= min_size[0] and height >= min_size[1],
           f"{what}: {path.name} is {width}×{height} pixels, expected at least {min_size[0]}×{min_size[1]}",
           f"png:small:{what}", kind="artifact")
    flat = pixels.reshape(-1, 3)
    colours, counts = np.unique(flat, axis=0, return_counts=True)
    drawn = 1.0 - counts.max() / len(flat)  # share of pixels that are not the background colour
    expect(len(colours) >= min_colours and drawn >= 0.005,
           f"{what}: {path.name} is blank ({len(colours)} colour(s), {drawn:.1%} of the pixels drawn on): "
           "plot the data before saving, and save before plt.show() or plt.close()",
           f"png:blank:{what}", kind="artifact")
    return pixels


def read_scalars(log_dir: Path) -> dict[str, list[tuple[int, float]]]:
    """Every scalar tag in the TensorBoard event files under `log_dir`, read back with tensorboard's
    own EventAccumulator: ``{tag: [(step, value), ...]}`` in step order."""
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    found: dict[str, list[tuple[int, float]]] = {}
    folders = sorted({p.parent for p in Path(log_dir).rglob("events.out.tfevents.*")})
    expect(bool(folders), f"no TensorBoard event files under {Path(log_dir).name}/ (is the SummaryWriter "
                          "pointed there, and closed or flushed?)", "events:missing", kind="artifact")
    for folder in folders:
        accumulator = EventAccumulator(str(folder), size_guidance={"scalars": 0})
        accumulator.Reload()
        for tag in accumulator.Tags().get("scalars", []):
            found.setdefault(tag, []).extend((e.step, e.value) for e in accumulator.Scalars(tag))
    return {tag: sorted(points) for tag, points in found.items()}
