"""Summaries of repeated measurements: median with min and max, and percentiles."""

from __future__ import annotations

import statistics
from dataclasses import dataclass


@dataclass(frozen=True)
class Summary:
    median: float
    minimum: float
    maximum: float
    runs: int

    @classmethod
    def of(cls, samples: list[float]) -> Summary:
        return cls(statistics.median(samples), min(samples), max(samples), len(samples))

    def text(self, unit: str = "s", scale: float = 1.0, digits: int = 2) -> str:
        return (
            f"{self.median * scale:.{digits}f} {unit} "
            f"(min {self.minimum * scale:.{digits}f}, max {self.maximum * scale:.{digits}f}, n={self.runs})"
        )


def percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]
