"""Packaging hook, one job: list the packages, adding ``fieldapp.locales``, which
pyproject.toml maps to the top-level ``locales/`` folder (where the translators edit the
catalogs) so that the wheel carries them as ``fieldapp/locales`` and an installed fieldapp
speaks French. pyproject.toml cannot add a mapped package to the ones it discovers."""

from setuptools import find_namespace_packages, setup

LOCALES = ["fieldapp.locales", *("fieldapp.locales." + name
                                for name in find_namespace_packages(where="locales"))]

setup(packages=[*find_namespace_packages(include=["fieldapp*", "sync*", "ui*"]), *LOCALES])
