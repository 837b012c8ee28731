"""Device choice and mixed precision: the small decisions every training run makes."""
from __future__ import annotations

import contextlib


class DeviceUnavailable(ValueError):
    """The device asked for does not exist here."""


def pick_device(preferred: str | None = None):
    """``preferred`` if given ("cpu", "cuda", "cuda:1", "mps"), else the best available:
    cuda, then mps, then cpu. Under torchrun each rank takes the GPU of its LOCAL_RANK."""
    import os

    import torch

    if preferred:
        try:
            device = torch.device(preferred)
        except RuntimeError:
            raise DeviceUnavailable(f"unknown device {preferred!r}; use cpu, cuda, cuda:N or mps")
        if device.type == "cuda" and not torch.cuda.is_available():
            raise DeviceUnavailable(f"device {preferred!r} asked for, but no CUDA GPU is visible")
        if device.type == "mps" and not torch.backends.mps.is_available():
            raise DeviceUnavailable("device 'mps' asked for, but MPS is not available here")
        return device
    if torch.cuda.is_available():
        return torch.device("cuda", int(os.environ.get("LOCAL_RANK", 0)))
    if torch.backends.mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")


def supports_bf16(device) -> bool:
    """Whether bf16 autocast is fast here: a CUDA GPU with bf16, or a CPU with AVX512-BF16/AMX."""
    import torch

    if device.type == "cuda":
        return torch.cuda.is_bf16_supported()
    if device.type == "cpu":
        return _cpu_has_native_bf16()
    return False


def _cpu_has_native_bf16() -> bool:
    """Linux only; elsewhere bf16 on the CPU is emulated and slower than fp32."""
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            flags = cpuinfo.read()
    except OSError:
        return False
    return "avx512_bf16" in flags or "amx_bf16" in flags


def autocast(device, enabled: bool):
    """bf16 autocast on ``device`` when enabled, else a no-op context."""
    import torch

    if not enabled:
        return contextlib.nullcontext()
    return torch.autocast(device_type=device.type, dtype=torch.bfloat16)


def retain_freed_memory() -> None:
    """Ask glibc to keep freed memory instead of returning it to the OS after every step.

    By default each step's activations (tens of MB) are mmapped, freed and unmapped again, so the
    next step page-faults them back in: on 2 CPU cores that measured 5-10% of the step time
    (bench notes in torchdojo.project.run). A no-op where the C library is not glibc.
    """
    import ctypes
    import ctypes.util

    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return
    trim_threshold, mmap_threshold = -1, -3  # M_TRIM_THRESHOLD, M_MMAP_THRESHOLD in malloc.h
    mallopt(trim_threshold, 1 << 30)
    mallopt(mmap_threshold, 1 << 30)
