"""The set-up script: mirror discovery, idempotence, clear failures."""

from __future__ import annotations

import os
import subprocess
import sys

from scripts import debian_mirror

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SETUP = os.path.join(ROOT, "scripts", "setup_env.sh")


def test_mirror_is_read_from_deb822_and_one_line_sources(tmp_path):
    (tmp_path / "sources.list.d").mkdir()
    (tmp_path / "sources.list").write_text(
        "# comment\ndeb-src http://src.example/debian bookworm main\n")
    (tmp_path / "sources.list.d" / "debian.sources").write_text(
        "Types: deb\nURIs: http://mirror.example/debian-security\nSuites: bookworm-security\n"
        "Components: main\n\nTypes: deb\nURIs: http://mirror.example/debian/\n"
        "Suites: bookworm bookworm-updates\nComponents: main\n")
    assert debian_mirror.debian_archive_uri(str(tmp_path)) == "http://mirror.example/debian"
    (tmp_path / "sources.list").write_text("deb [arch=amd64] http://one.example/debian bookworm main\n")
    assert debian_mirror.debian_archive_uri(str(tmp_path)) == "http://one.example/debian"


def test_no_debian_mirror_is_none(tmp_path):
    (tmp_path / "sources.list").write_text("deb http://ppa.example/ubuntu-security jammy main\n")
    assert debian_mirror.debian_archive_uri(str(tmp_path)) is None


def test_a_second_set_up_only_checks():
    for _ in range(2):  # the first may install (after a change to pyproject.toml); the second must not
        result = subprocess.run(["bash", SETUP], capture_output=True, text=True, timeout=900)
        assert result.returncode == 0, result.stderr
    assert "up to date" in result.stderr
    assert "installing" not in result.stderr


def test_set_up_without_python_3_11_fails_clearly(tmp_path):
    env = dict(os.environ, PYTHON=sys.executable if sys.version_info[:2] != (3, 11) else "/bin/true",
               DATENMT_VENV=str(tmp_path / "venv"))
    result = subprocess.run(["bash", SETUP], capture_output=True, text=True, env=env, timeout=60)
    assert result.returncode == 1
    assert "ERROR" in result.stderr and "Python 3.11" in result.stderr
    assert not (tmp_path / "venv").exists()
