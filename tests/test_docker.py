"""The Dockerfile, checked as far as a machine without a Docker engine can.

The image's install step (`pip install .`, the fact base then found through BOT_KNOWLEDGE_DIR)
is repeated in a fresh virtual environment, offline: the project's own environment lends the
dependencies through a .pth file.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCKERFILE = (ROOT / "Dockerfile").read_text(encoding="utf-8")


def instructions() -> list[tuple[str, str]]:
    """The Dockerfile's instructions as (keyword, arguments), continuation lines joined."""
    joined = re.sub(r"\\\n\s*", " ", DOCKERFILE)
    found = []
    for line in joined.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            keyword, _, rest = line.partition(" ")
            found.append((keyword.upper(), rest.strip()))
    return found


def test_base_image_is_a_slim_python_of_a_supported_version() -> None:
    base = next(rest for keyword, rest in instructions() if keyword == "FROM")
    version = re.match(r"python:(\d+)\.(\d+)-slim", base)
    assert version is not None, base
    assert (int(version.group(1)), int(version.group(2))) >= (3, 11)


def test_the_bot_runs_as_a_non_root_user_and_starts_with_run() -> None:
    steps = instructions()
    users = [rest for keyword, rest in steps if keyword == "USER"]
    assert users and users[-1] not in ("root", "0")
    command = [rest for keyword, rest in steps if keyword == "CMD"][-1]
    assert command == '["python", "-m", "bot", "run"]'
    # The user is switched after everything is installed and copied.
    last_user = max(i for i, (keyword, _) in enumerate(steps) if keyword == "USER")
    assert all(keyword not in ("RUN", "COPY") for keyword, _ in steps[last_user + 1 :])


def test_every_copied_path_exists_and_the_knowledge_is_baked_in() -> None:
    copies = [rest.split() for keyword, rest in instructions() if keyword == "COPY"]
    for *sources, _target in copies:
        for source in sources:
            assert (ROOT / source).exists(), source
    assert ["knowledge", "./knowledge"] in copies
    env = " ".join(rest for keyword, rest in instructions() if keyword == "ENV")
    assert "BOT_KNOWLEDGE_DIR=/app/knowledge" in env


def test_the_docker_context_leaves_out_local_state() -> None:
    ignored = (ROOT / ".dockerignore").read_text(encoding="utf-8").split()
    for name in (".venv", ".git", ".env"):
        assert name in ignored


@pytest.mark.skipif(sys.platform == "win32", reason="the image is Linux")
def test_the_image_install_step_works_in_a_fresh_environment(tmp_path: Path) -> None:
    fresh = tmp_path / "venv"
    venv.EnvBuilder(with_pip=False).create(fresh)
    python = fresh / "bin" / "python"
    target = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    # Lend the dependencies (and setuptools, to build) without reaching a package index.
    Path(target, "lend.pth").write_text(sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8")
    install = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            str(python),
            "install",
            "--no-index",
            "--no-deps",
            "--no-build-isolation",
            "--quiet",
            str(ROOT),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert install.returncode == 0, install.stderr
    installed = Path(target, "bot", "factbase", "loading.py")  # subpackages too
    assert installed.is_file(), "the package itself is installed, not linked to the checkout"
    env = {**os.environ, "BOT_KNOWLEDGE_DIR": str(ROOT / "knowledge")}
    env.pop("PYTHONPATH", None)
    checked = subprocess.run(
        [str(python), "-m", "bot", "validate"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert checked.returncode == 0, checked.stderr
    assert checked.stdout.startswith("OK:")
