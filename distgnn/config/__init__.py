"""Configuration of ``distgnn train``: dataclasses with help text, YAML, ``-p`` overrides."""
from distgnn.config.convert import ConfigError
from distgnn.config.describe import format_keys, iter_keys
from distgnn.config.load import config_from_dict, config_to_dict, load_config, read_yaml, save_config
from distgnn.config.overrides import apply_overrides, parse_override
from distgnn.config.schema import (JOBS, DataConfig, GeneratorConfig, ModelConfig, RunSection,
                                   SamplerConfig, ScalingSection, SyncSection, TrainConfig)
from distgnn.config.validate import validate

__all__ = ["ConfigError", "TrainConfig", "DataConfig", "GeneratorConfig", "ModelConfig",
           "SamplerConfig", "ScalingSection", "SyncSection", "RunSection", "JOBS",
           "load_config", "config_from_dict", "config_to_dict", "read_yaml", "save_config",
           "apply_overrides", "parse_override", "validate", "iter_keys", "format_keys"]
