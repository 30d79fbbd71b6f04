"""``DataParallel``: split a list of graphs over GPUs, one ``Batch`` per device.

Within one machine this is torch's module replication; across machines the same
idea is :mod:`distgnn.distributed` (gradients all-reduced between Ray replicas).
"""
from itertools import chain
from typing import List, Optional, Sequence

import torch

from ..data import Batch

__all__ = ["DataParallel"]


class DataParallel(torch.nn.DataParallel):
    r"""Data parallelism at the module level over a list of
    :class:`~distgnn.data.Data` objects (use it with :class:`distgnn.data.DataListLoader`).

    Args:
        module (Module): Module to be parallelized.
        device_ids (list of int or torch.device): CUDA devices. (default: all devices)
        output_device (int or torch.device): Device of the output.
            (default: ``device_ids[0]``)
        follow_batch (list or tuple, optional): Keys that get assignment batch vectors.
            (default: ``[]``)
        exclude_keys (list or tuple, optional): Keys left out of the batches.
            (default: ``[]``)
    """

    def __init__(self, module, device_ids=None, output_device=None,
                 follow_batch: Sequence[str] = (), exclude_keys: Sequence[str] = ()):
        super().__init__(module, device_ids, output_device)
        self.src_device = torch.device(f"cuda:{self.device_ids[0]}") if self.device_ids \
            else torch.device("cpu")
        self.follow_batch = list(follow_batch)
        self.exclude_keys = list(exclude_keys)

    def forward(self, data_list: List):
        if len(data_list) == 0:
            raise ValueError("DataParallel received an empty list of graphs")
        if not self.device_ids or len(self.device_ids) == 1:
            batch = Batch.from_data_list(data_list, follow_batch=self.follow_batch,
                                         exclude_keys=self.exclude_keys).to(self.src_device)
            return self.module(batch)
        for t in chain(self.module.parameters(), self.module.buffers()):
            if t.device != self.src_device:
                raise RuntimeError(f"DataParallel: module must have its parameters and "
                                   f"buffers on {self.src_device}, found one on {t.device}")
        inputs = self.scatter(data_list, self.device_ids)
        replicas = self.replicate(self.module, self.device_ids[:len(inputs)])
        outputs = self.parallel_apply(replicas, inputs, None)
        return self.gather(outputs, self.output_device)

    def scatter(self, data_list: List, device_ids: List[int]):
        """One ``Batch`` per device, balanced by node count."""
        num_devices = min(len(device_ids), len(data_list))
        counts = torch.tensor([d.num_nodes for d in data_list])
        cumsum = counts.cumsum(0).float()
        cumsum = cumsum / cumsum[-1].item()
        device_of = (cumsum * num_devices).clamp(max=num_devices - 1e-6).long()
        split = torch.bincount(device_of, minlength=num_devices).cumsum(0).tolist()
        starts = [0] + split[:-1]
        return [
            (Batch.from_data_list(data_list[s:e], follow_batch=self.follow_batch,
                                  exclude_keys=self.exclude_keys)
             .to(torch.device(f"cuda:{device_ids[i]}")),)
            for i, (s, e) in enumerate(zip(starts, split)) if e > s
        ]
