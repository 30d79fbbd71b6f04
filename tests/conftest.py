"""Suite-wide settings.

Tests work on tiny tensors, where thread start-up costs more than it saves and
Ray workers started by other tests compete for the same cores; one intra-op
thread keeps the suite fast and its timings steady.
"""
import torch

torch.set_num_threads(1)
