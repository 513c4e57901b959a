"""A real browser for tests: headless Chromium driven over the DevTools protocol on loopback.

`visit(url, expressions)` loads a page, records every console message, uncaught exception, log entry
and network request, evaluates JavaScript expressions in the loaded page and takes a screenshot.
Chromium picks a free port itself (`--remote-debugging-port=0`) and writes it to DevToolsActivePort.
"""

from __future__ import annotations

import asyncio
import base64
import itertools
import os
import shutil
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")


@dataclass
class Page:
    values: dict[str, Any]  # expression -> its value in the page
    console: list[str] = field(default_factory=list)  # console messages of level error or warning
    errors: list[str] = field(default_factory=list)  # uncaught exceptions and error log entries
    requests: list[str] = field(default_factory=list)  # every URL the page asked for
    screenshot: bytes = b""


class _Session:
    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        self.ws, self.ids, self.events = ws, itertools.count(1), []
        self.pending: dict[int, asyncio.Future[dict[str, Any]]] = {}
        self.reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        async for message in self.ws:
            data = message.json()
            if "id" in data and data["id"] in self.pending:
                self.pending.pop(data["id"]).set_result(data)
            else:
                self.events.append(data)

    async def call(self, method: str, **params: Any) -> dict[str, Any]:
        call_id = next(self.ids)
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self.pending[call_id] = future
        await self.ws.send_json({"id": call_id, "method": method, "params": params})
        reply = await asyncio.wait_for(future, 60)
        if "error" in reply:
            raise RuntimeError(f"{method}: {reply['error']}")
        return reply["result"]

    async def wait_for(self, method: str, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while not any(e.get("method") == method for e in self.events):
            if time.monotonic() > deadline:
                raise TimeoutError(f"no {method} within {timeout} s")
            await asyncio.sleep(0.05)


def _port(profile: Path, proc: subprocess.Popen[bytes], timeout: float = 60) -> int:
    marker = profile / "DevToolsActivePort"
    deadline = time.monotonic() + timeout
    while not (marker.is_file() and marker.read_text().strip()):
        if proc.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"chromium did not start (exit code {proc.poll()})")
        time.sleep(0.1)
    return int(marker.read_text().splitlines()[0])


async def _visit(port: int, url: str, expressions: list[str], width: int, height: int) -> Page:
    async with aiohttp.ClientSession() as http:
        async with http.put(f"http://127.0.0.1:{port}/json/new?about:blank") as reply:
            target = await reply.json()
        async with http.ws_connect(target["webSocketDebuggerUrl"], max_msg_size=0) as ws:
            session = _Session(ws)
            for domain in ("Runtime", "Log", "Network", "Page"):
                await session.call(f"{domain}.enable")
            await session.call("Emulation.setDeviceMetricsOverride", width=width, height=height,
                               deviceScaleFactor=1, mobile=False)  # fmt: skip
            session.events.clear()
            await session.call("Page.navigate", url=url)
            await session.wait_for("Page.loadEventFired")
            values = {}
            for expression in expressions:
                result = await session.call("Runtime.evaluate", expression=expression, returnByValue=True)
                if "exceptionDetails" in result:
                    raise RuntimeError(f"{expression}: {result['exceptionDetails']}")
                values[expression] = result["result"].get("value")
            shot = await session.call("Page.captureScreenshot", format="png")
            await asyncio.sleep(0.2)  # late console messages
            session.reader.cancel()
    page = Page(values, screenshot=base64.b64decode(shot["data"]))
    for event in session.events:
        method, params = event.get("method"), event.get("params", {})
        if method == "Runtime.consoleAPICalled" and params["type"] in ("error", "warning", "assert"):
            page.console.append(" ".join(str(a.get("value", a.get("description"))) for a in params["args"]))
        elif method == "Runtime.exceptionThrown":
            page.errors.append(params["exceptionDetails"].get("text", "exception"))
        elif method == "Log.entryAdded" and params["entry"]["level"] in ("error", "warning"):
            entry = params["entry"]
            page.errors.append(f"{entry['source']}: {entry['text']} {entry.get('url', '')}")
        elif method == "Network.requestWillBeSent":
            page.requests.append(params["request"]["url"])
        elif method == "Network.loadingFailed":
            page.errors.append(f"failed to load: {params.get('errorText')}")
    return page


def visit(url: str, expressions: list[str], width: int = 1280, height: int = 2000) -> Page:
    """Open `url` in a fresh headless Chromium and report what happened (see `Page`)."""
    assert CHROMIUM, "chromium is not installed (apt-get install chromium)"
    with tempfile.TemporaryDirectory(prefix="curate-chromium-") as profile:
        cmd = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--hide-scrollbars",
               "--remote-debugging-address=127.0.0.1", "--remote-debugging-port=0", f"--user-data-dir={profile}",
               "about:blank"]  # fmt: skip
        # its own process group: the renderer and helper processes it starts end with it
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        try:
            return asyncio.run(_visit(_port(Path(profile), proc), url, expressions, width, height))
        finally:
            _stop(proc)


def _stop(proc: subprocess.Popen[bytes]) -> None:
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(proc.pid, sig)  # the group this helper started, by its id
        except ProcessLookupError:
            break
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            continue
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:  # helpers of the group may outlive the main process briefly
            try:
                os.killpg(proc.pid, 0)
            except ProcessLookupError:
                return
            time.sleep(0.05)
