"""The packages are layers: each imports only the ones before it, so nothing imports in a circle."""

from __future__ import annotations

import ast
import os

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LAYERS = ["data_gen", "schemas", "models", "components", "reporting", "pipeline", "serving", "kubeflow"]


def imported_packages(package: str) -> set[str]:
    """The project packages that a package's modules import (absolute imports, anywhere in the module)."""
    found = set()
    for folder, _, files in os.walk(os.path.join(ROOT, package)):
        for name in (f for f in files if f.endswith(".py")):
            with open(os.path.join(folder, name), encoding="utf-8") as f:
                tree = ast.parse(f.read())
            for node in ast.walk(tree):
                if isinstance(node, ast.Import):
                    found |= {alias.name.split(".")[0] for alias in node.names}
                elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                    found.add(node.module.split(".")[0])
    return (found & set(LAYERS)) - {package}


@pytest.mark.parametrize("package", LAYERS)
def test_a_package_imports_only_earlier_layers(package):
    earlier = set(LAYERS[:LAYERS.index(package)])
    assert imported_packages(package) <= earlier


def test_components_import_no_application_layer():
    assert not imported_packages("components") & {"reporting", "pipeline", "serving", "kubeflow"}
