"""The installed package holds every app: ``make demo`` runs ``luoshi`` from the installed
package, where an app left out of ``[tool.setuptools.packages.find]`` cannot be imported (the
tests themselves import from the checkout, so they would not notice)."""

import fnmatch
import tomllib
from pathlib import Path

from django.conf import settings

ROOT = Path(__file__).resolve().parents[1]


def test_every_project_app_is_packaged():
    include = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]["find"][
        "include"
    ]
    ours = {app.split(".")[0] for app in settings.INSTALLED_APPS if (ROOT / app.split(".")[0]).is_dir()}
    assert len(ours) >= 14
    missing = sorted(app for app in ours if not any(fnmatch.fnmatch(app, pattern) for pattern in include))
    assert missing == []
