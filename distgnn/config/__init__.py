"""Configuration of ``distgnn train``: typed sections with help text, YAML, ``-p`` overrides.

Every config dataclass of a job lives here or is the runtime's own
(``scaling``/``sync``/``run`` are :mod:`distgnn.distributed.config`'s classes);
jobs declare their ``model`` and ``sampler`` sections in the job registry.
"""
from distgnn.distributed.config import RunConfig, ScalingConfig, SyncConfig

from .convert import ConfigError
from .describe import format_keys, iter_keys
from .jobs import ClusterGCNModel, ClusterSampler, Node2VecModel, ShardSampler, WalkSampler
from .load import build_config, config_from_dict, config_to_dict, load_config, read_yaml, save_config
from .overrides import apply_overrides, parse_override
from .registry import DEFAULT_JOB, JobSpec, get_job, job_names, register_job
from .schema import TrainConfig
from .sections import DataConfig, GeneratorConfig
from .validate import mask_specs, validate

__all__ = ["ConfigError", "TrainConfig", "DataConfig", "GeneratorConfig", "ScalingConfig",
           "SyncConfig", "RunConfig", "ShardSampler", "ClusterGCNModel", "ClusterSampler",
           "Node2VecModel", "WalkSampler", "JobSpec", "register_job", "get_job", "job_names",
           "DEFAULT_JOB", "load_config", "config_from_dict", "config_to_dict", "build_config",
           "read_yaml", "save_config", "apply_overrides", "parse_override", "validate",
           "mask_specs", "iter_keys", "format_keys"]
