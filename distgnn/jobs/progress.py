"""Progress bars with throughput (batches/s, samples/s).

Inside a Ray worker the bar is drawn by the driver (``ray.experimental.tqdm_ray``);
in a plain process it is an ordinary ``tqdm`` bar.
"""
from __future__ import annotations

import time
from typing import Optional

__all__ = ["Progress"]


def _in_ray_worker() -> bool:
    try:
        import ray
        return ray.is_initialized() and ray.get_runtime_context().worker.mode == ray.WORKER_MODE
    except Exception:  # noqa: BLE001 - any failure means "not a Ray worker"
        return False


class Progress:
    """One epoch's bar: ``update(samples, loss)`` per batch; ``rates`` at the end."""

    def __init__(self, total: int, desc: str, enabled: bool = True) -> None:
        self.desc = desc
        self.batches = 0
        self.samples = 0
        self.start = time.perf_counter()
        self._bar = None
        if enabled:
            if _in_ray_worker():
                from ray.experimental.tqdm_ray import tqdm as ray_tqdm
                self._bar = ray_tqdm(total=total, desc=desc, unit="batch")
            else:
                from tqdm import tqdm
                self._bar = tqdm(total=total, desc=desc, unit="batch", leave=True)

    @property
    def elapsed(self) -> float:
        return max(time.perf_counter() - self.start, 1e-9)

    def rates(self) -> tuple:
        """``(batches/s, samples/s)`` since the bar started."""
        return self.batches / self.elapsed, self.samples / self.elapsed

    def update(self, samples: int, loss: Optional[float] = None) -> None:
        self.batches += 1
        self.samples += int(samples)
        if self._bar is None:
            return
        _, sps = self.rates()
        text = f"{self.desc} | {sps:,.0f} samples/s" + ("" if loss is None else f" | loss {loss:.4f}")
        if hasattr(self._bar, "set_postfix_str"):
            self._bar.set_postfix_str(text[len(self.desc) + 3:], refresh=False)
        else:
            self._bar.set_description(text)
        self._bar.update(1)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None
