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


NATIVE_BF16_FLAGS = ("amx_bf16", "avx512_bf16")  # /proc/cpuinfo flags of CPUs that compute bf16 natively


def _cpuinfo() -> str:
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            return cpuinfo.read()
    except OSError:  # not Linux
        return ""


def _cpu_has_native_bf16() -> bool:
    """The CPU has AVX512-BF16 or AMX and torch's kernels use AVX-512 (not capped at AVX2 by
    ``ATEN_CPU_CAPABILITY``). Linux only; elsewhere bf16 is taken to be emulated, slower than fp32."""
    import torch

    flags = _cpuinfo()
    return (any(flag in flags for flag in NATIVE_BF16_FLAGS)
            and torch.backends.cpu.get_cpu_capability().startswith("AVX512"))


def cpu_name() -> str:
    """The CPU's model name ("Intel(R) Xeon(R) Processor"), for figures quoted with their machine."""
    import platform

    return next((line.split(":", 1)[1].strip() for line in _cpuinfo().splitlines()
                 if line.startswith("model name")), platform.processor() or platform.machine())


def cpu_description() -> str:
    """The CPU as the precision choice sees it: "Intel(R) Xeon(R) Processor, AVX512, native bf16
    (amx_bf16, avx512_bf16)" or "AMD EPYC 7B13, AVX2, no native bf16"."""
    import torch

    info = _cpuinfo()
    flags = [flag for flag in NATIVE_BF16_FLAGS if flag in info]
    bf16 = (f"native bf16 ({', '.join(flags)})" if _cpu_has_native_bf16() else
            f"bf16 not used natively ({', '.join(flags)} present, torch capped below AVX512)" if flags else
            "no native bf16")
    return f"{cpu_name()}, {torch.backends.cpu.get_cpu_capability()}, {bf16}"


def precision_line(device, bf16: bool) -> str:
    """What a run computes in and why, in one line: `torchdojo train` prints it before training.

    On a CPU bf16 autocast is chosen only where bf16 is native (AVX512-BF16 or AMX): there it is
    ~1.6x faster per step than fp32; emulated (AVX2) it is ~8x slower (``bench/train_speed.py``).
    The layout is channels_last on every device: on CPUs it measured 1.6-2x faster than NCHW with
    AVX512 and with AVX2 alike, and cuDNN prefers it for bf16/fp16."""
    precision = "bf16 autocast" if bf16 else "fp32"
    if device.type == "cpu":
        where = f"CPU: {cpu_description()}"
    elif device.type == "cuda":
        import torch

        where = f"GPU: {torch.cuda.get_device_name(device)}"
    else:
        where = device.type
    return f"{precision}, channels_last ({where})"


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
