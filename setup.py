"""Package layout that pyproject.toml alone cannot say.

`resources/` lives at the repository root (grammars, icons, translations, styles) but must ship
inside the installed package, so it is mapped to the import name `hearth_resources`.
"""
from setuptools import find_packages, setup

setup(
    packages=find_packages(include=["desktop*", "converter*"]) + ["hearth_resources"],
    package_dir={"hearth_resources": "resources"},
    package_data={"hearth_resources": ["**/*"]},
    include_package_data=True,
)
