"""Reading YAML files: the one safe loader for the configuration, the column contract and prefect.yaml."""

from __future__ import annotations

import yaml

# libyaml's safe loader when PyYAML was built with it (ten times faster on a 300-district file)
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
