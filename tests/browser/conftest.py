"""Fixtures for journeys in a real Chromium: Desk served by ``desk serve`` in a
subprocess on a free port, Debian's Chromium driven by Playwright, and a folder of
screenshots kept as test artifacts."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, sync_playwright

from desk.db import Database
from desk.settings import Settings

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "test-artifacts" / "browser"
CHROMIUM = "/usr/bin/chromium"
# Without the networking flags Chromium keeps trying hosts it cannot reach.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
START_SECONDS = 30.0


@dataclass(frozen=True)
class Server:
    url: str
    log: Path


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _desk_command() -> list[str]:
    script = Path(sys.executable).with_name("desk")
    return [str(script)] if script.exists() else [sys.executable, "-m", "desk.cli.main"]


def _wait_until_healthy(process: subprocess.Popen[bytes], url: str, log: Path) -> None:
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"desk serve exited with {process.returncode}:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError):
            pass  # not listening yet, or 503 while the job runner starts
        time.sleep(0.05)
    pytest.fail(f"desk serve did not answer /healthz in {START_SECONDS:.0f} s:\n{log.read_text()}")


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


@pytest.fixture
def server(settings: Settings, db: Database, tmp_path: Path, artifacts: Path,
           request: pytest.FixtureRequest) -> Iterator[Server]:
    """``desk serve`` on the test's database (SQLite copy or PostgreSQL), stopped
    with SIGTERM afterwards; its log is kept next to the screenshots."""
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("DESK_")}
    env.update({
        "DESK_DATA_DIR": str(settings.data_dir),
        "DESK_DATABASE_URL": settings.database_url,
        "DESK_SECRET_KEY": str(settings.secret_key),
        "DESK_FORM_RATE_LIMIT": "1000",
        "DESK_BASE_URL": url,
    })
    log = tmp_path / "server.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [*_desk_command(), "serve", "--host", "127.0.0.1", "--port", str(port)],
            env=env, cwd=tmp_path, stdout=out, stderr=subprocess.STDOUT,
        )
    try:
        _wait_until_healthy(process, url, log)
        yield Server(url, log)
    finally:
        _stop(process)
        (artifacts / f"{request.node.name}-server.log").write_bytes(log.read_bytes())


@pytest.fixture(scope="package")
def browser() -> Iterator[Browser]:
    # Package scope: Playwright's sync API keeps an event loop running in this
    # thread while it lives; it must be gone before tests that call asyncio.run().
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"{CHROMIUM} is missing: run scripts/setup.sh")
        pytest.skip(f"{CHROMIUM} is missing: run scripts/setup.sh")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


FAILED = pytest.StashKey[bool]()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]
                              ) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    if call.when == "call":
        item.stash[FAILED] = report.failed
    return report


@pytest.fixture
def new_context(browser: Browser, server: Server, artifacts: Path,
                request: pytest.FixtureRequest) -> Iterator[Callable[..., BrowserContext]]:
    """Makes browser contexts on the server; closes them (and screenshots every open
    page when the test failed) before the server stops."""
    made: list[BrowserContext] = []

    def make(**options: Any) -> BrowserContext:
        context = browser.new_context(base_url=server.url, **options)
        context.set_default_timeout(10_000)
        made.append(context)
        return context

    yield make
    failed = request.node.stash.get(FAILED, False)
    for i, context in enumerate(made):
        for j, page in enumerate(context.pages):
            if failed:
                page.screenshot(path=artifacts / f"FAILED-{request.node.name}-{i}{j}.png",
                                full_page=True)
        context.close()
