"""Package list (everything else is in pyproject.toml).

The top-level ``sandbox/`` folder (the in-container runner, built into the sandbox image) and
``datasets_recipes/`` stay where they are in the repository and ship inside the wheel as
``codetune._sandbox`` and ``codetune._recipes``: a package-dir mapping pyproject.toml cannot
combine with package discovery. Every file under them is included, new ones too. An editable
install skips the mapping (``codetune.paths`` reads both folders in place in a checkout), which
keeps it a plain path entry instead of an import hook.
"""

import sys

from setuptools import find_namespace_packages, setup

PACKAGES = find_namespace_packages(include=["codetune", "codetune.*"], exclude=["*__pycache__*"])
MAPPED = {"codetune._sandbox": "sandbox", "codetune._recipes": "datasets_recipes"}

if "editable_wheel" in sys.argv:
    setup(packages=PACKAGES, package_dir={"": "."})
else:
    setup(packages=[*PACKAGES, *MAPPED, *[f"codetune._sandbox.{p}" for p in
                                          find_namespace_packages("sandbox",
                                                                  exclude=["*__pycache__*"])]],
          package_dir=MAPPED)
