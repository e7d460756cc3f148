"""A deployment pull step resolved on the worker when each run starts (not when deploying).

``prefect.yaml``'s ``{{ $VAR }}`` templates are filled in by ``prefect deploy`` on the
deploying machine, which would pin that machine's folder. This step reads the variable
from the worker's own environment at run time instead, so the same deployments work from
any clone a worker runs in.
"""

from __future__ import annotations

import os
from pathlib import Path


def set_working_directory_from_env(variable: str = "DASV_PROJECT_DIR") -> dict[str, str]:
    """Change into the folder named by ``variable`` in the worker's environment.

    Raises:
        RuntimeError: the variable is unset or names no folder (one line for the run's state).
    """
    value = os.environ.get(variable)
    if not value:
        raise RuntimeError(
            f"{variable} is not set on the worker: set it to the project folder (make prefect-worker does)"
        )
    folder = Path(value).expanduser()
    if not folder.is_dir():
        raise RuntimeError(f"{variable}={value} is not a folder on the worker")
    os.chdir(folder)
    return {"directory": str(folder.resolve())}
