"""A description of the machine a run happened on (for RESULTS.md and the JSON)."""

from __future__ import annotations

import os
import platform
import subprocess
from pathlib import Path


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _memory_gib() -> float:
    try:
        for line in Path("/proc/meminfo").read_text(encoding="ascii").splitlines():
            if line.startswith("MemTotal:"):
                return round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    return 0.0


def _kubectl(kubectl: str) -> str:
    try:
        answer = subprocess.run(
            [kubectl, "version", "--client", "-o", "yaml"], capture_output=True, text=True, timeout=10
        )
    except OSError:
        return "not found"
    for line in answer.stdout.splitlines():
        if line.strip().startswith("gitVersion:"):
            return line.split(":", 1)[1].strip()
    return "unknown"


def describe(kubectl: str) -> dict[str, object]:
    return {
        "cpu": _cpu_model(),
        "cpus": os.cpu_count(),
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "memory_gib": _memory_gib(),
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "kubectl": _kubectl(kubectl),
    }
