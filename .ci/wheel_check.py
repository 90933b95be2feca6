"""Run inside a venv holding one built wheel (and what it pulls in): does the package work installed alone?

Usage: ``python .ci/wheel_check.py DISTRIBUTION``. Imports the distribution's top-level package (found from
its RECORD, not from a table), checks ``__version__``, and checks that ``initialize_plugins()`` finds every
provider the distribution advertises in the ``litellm_plugin.providers`` entry-point group.
"""

from __future__ import annotations

import importlib
import os
import sys
from importlib.metadata import distribution

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")


def top_module(dist_name: str) -> str:
    """The shallowest package the distribution installs under litellm_plugin/ (``litellm_plugin.x.y``)."""
    files = distribution(dist_name).files or []
    packages = [file.parent for file in files if file.name == "__init__.py" and file.parts[0] == "litellm_plugin"]
    if not packages:
        raise SystemExit(f"{dist_name}: installs no package under litellm_plugin/")
    return ".".join(min(packages, key=lambda path: len(path.parts)).parts)


def main(dist_name: str) -> None:
    dist = distribution(dist_name)
    module = top_module(dist_name)
    package = importlib.import_module(module)
    if package.__version__ != dist.version:
        raise SystemExit(f"{dist_name}: {module}.__version__ is {package.__version__}, the wheel is {dist.version}")
    advertised = sorted(ep.name for ep in dist.entry_points if ep.group == "litellm_plugin.providers")

    from litellm_plugin.core import initialize_plugins

    found = initialize_plugins()
    missing = [name for name in advertised if name not in found]
    if missing:
        raise SystemExit(f"{dist_name}: advertised providers {missing} not discovered (found {found})")
    sys.stdout.write(f"{dist_name} {dist.version}: {module} imports alone; advertised {advertised}, found {found}\n")


if __name__ == "__main__":
    main(sys.argv[1])
