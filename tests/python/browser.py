"""Open an HTML file in headless Chromium and report what a reader's browser would.

Imported by the tests (``from browser import load_in_chromium``); it contains no test
functions. It drives Debian's ``chromium`` package (installed by ``make test``, i.e.
``scripts/setup.sh --browser``) over the DevTools protocol on a pipe
(``--remote-debugging-pipe``: the browser reads commands from fd 3 and writes replies
and events to fd 4, one JSON object per message, each ending in a NUL byte), so it
needs nothing beyond the standard library.

What is captured, from the page's own DevTools session:

* console messages: ``Runtime.consoleAPICalled`` (``console.log/warn/error/assert``
  ...) and ``Log.entryAdded`` (messages the browser itself writes to the page's
  console: failed resource loads, CSP violations, deprecations ...);
* uncaught JavaScript exceptions and unhandled promise rejections:
  ``Runtime.exceptionThrown``;
* network requests: every ``Network.requestWillBeSent`` other than the page's own
  document and ``data:``/``blob:``/``about:`` URLs, with ``Network.loadingFailed``'s
  error text. A report must be self-contained, so any such request is a problem, even
  another local file. The browser is started with every host name resolving to
  nothing and no proxy, so nothing leaves the machine either way;
* the document's title and ``innerText`` once the load event has fired and two frames
  have been painted, and a PNG screenshot of the whole page (``captureBeyondViewport``).

The browser runs in its own process group with a fresh profile in a temporary
directory; whatever happens (timeout, crash, error), the group is closed (politely
with ``Browser.close``, then SIGKILL) and the directory removed.
"""

from __future__ import annotations

import base64
import fcntl
import json
import os
import select
import shutil
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urldefrag

__all__ = ["BrowserError", "BrowserResult", "ConsoleMessage", "Request", "chromium_path",
           "load_in_chromium"]

#: Where Debian's package puts the browser itself. /usr/bin/chromium is a shell
#: launcher that sources /etc/chromium.d (Google API keys, extensions to load,
#: --enable-remote-extensions, which drops --disable-background-networking, and a
#: /dev/shm check that prints shell errors in some containers); the harness passes
#: every flag it needs itself, so it runs the binary directly when it is there.
DEBIAN_BINARY = "/usr/lib/chromium/chromium"

#: Flags for a quiet, deterministic, offline headless browser that runs as root in a
#: container. The profile (--user-data-dir) and the viewport are added per call.
FLAGS = [
    "--headless=new",
    "--no-sandbox",                    # root in a container: no user namespaces
    "--disable-gpu",
    "--disable-dev-shm-usage",         # /dev/shm is often 64 MB in containers
    "--no-first-run",
    "--no-default-browser-check",
    "--no-startup-window",             # the harness opens its own tab
    # no network at all: every host resolves to nothing, no proxy from the environment
    "--host-resolver-rules=MAP * ~NOTFOUND",
    "--no-proxy-server",
    # none of the browser's own background traffic (updates, sync, metrics, ...)
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--disable-extensions",
    "--disable-breakpad",
    "--disable-crash-reporter",
    "--metrics-recording-only",
    "--safebrowsing-disable-auto-update",
    "--disable-client-side-phishing-detection",
    "--disable-domain-reliability",
    "--disable-features=Translate,OptimizationHints,MediaRouter,DialMediaRouteProvider,"
    "InterestFeedContentSuggestions,CertificateTransparencyComponentUpdater,"
    "AutofillServerCommunication,PrivacySandboxSettings4",
    "--password-store=basic",
    "--mute-audio",
    # same pixels on every machine: no scroll bars, sRGB, no hinting
    "--hide-scrollbars",
    "--force-color-profile=srgb",
    "--font-render-hinting=none",
    "--remote-debugging-pipe",
]

#: URL schemes that are not network requests (the page's own document is allowed too).
LOCAL_SCHEMES = ("data:", "blob:", "about:")


class BrowserError(RuntimeError):
    """Chromium could not be started, died, or did not answer in time."""


@dataclass
class ConsoleMessage:
    level: str      # "error", "warning", "info", "log", "debug", "verbose", ...
    text: str
    source: str     # "console-api" (console.* calls) or the Log domain's source
    url: str = ""
    line: int | None = None

    def __str__(self) -> str:
        where = f" ({self.url}:{self.line})" if self.url and self.line is not None else ""
        return f"[{self.level}] {self.text}{where}"


@dataclass
class Request:
    url: str
    resource_type: str = ""
    error: str = ""  # Network.loadingFailed's errorText, "" if it did not fail

    def __str__(self) -> str:
        return f"{self.url} ({self.resource_type or '?'}{': ' + self.error if self.error else ''})"


@dataclass
class BrowserResult:
    url: str
    title: str
    text: str                                   # document.body.innerText
    screenshot: Path
    console: list[ConsoleMessage] = field(default_factory=list)
    exceptions: list[str] = field(default_factory=list)
    requests: list[Request] = field(default_factory=list)  # all are failures
    seconds: float = 0.0   # the whole call: launch, load, screenshot, browser closed
    pid: int = 0           # the browser's pid, also its process group (now gone)
    workdir: str = ""      # the call's private directory, with a final "/" (now removed)

    @property
    def console_errors(self) -> list[ConsoleMessage]:
        return [m for m in self.console if m.level in ("error", "assert")]

    @property
    def problems(self) -> list[str]:
        """Console errors, uncaught exceptions and network requests, one line each."""
        return ([f"console {m}" for m in self.console_errors]
                + [f"exception {e}" for e in self.exceptions]
                + [f"request {r}" for r in self.requests])

    @property
    def ok(self) -> bool:
        return not self.problems


def chromium_path() -> str | None:
    """The Chromium binary: $SOSTAC_CHROMIUM if set, else Debian's
    /usr/lib/chromium/chromium, else ``chromium`` or ``chromium-browser`` on PATH;
    None when there is none (``make test`` installs Debian's package)."""
    env = os.environ.get("SOSTAC_CHROMIUM")
    if env:
        return env if os.access(env, os.X_OK) else None
    if os.access(DEBIAN_BINARY, os.X_OK):
        return DEBIAN_BINARY
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    return None


class _Pipe:
    """The DevTools protocol over fds 3/4 of the browser, with one deadline."""

    def __init__(self, write_fd: int, read_fd: int, deadline: float, log: Path,
                 timeout: float):
        self.w, self.r, self.deadline, self.log = write_fd, read_fd, deadline, log
        self.timeout = timeout
        self.buf = b""
        self.next_id = 0
        self.events: list[dict[str, Any]] = []  # in arrival order, not yet consumed

    def _fail(self, what: str) -> BrowserError:
        try:
            tail = self.log.read_text(errors="replace")[-2000:]
        except OSError:
            tail = ""
        return BrowserError(f"chromium: {what}" + (f"\n--- its stderr (end) ---\n{tail}" if tail
                                                   else ""))

    def _read_one(self) -> dict[str, Any]:
        while b"\0" not in self.buf:
            left = self.deadline - time.monotonic()
            if left <= 0:
                raise self._fail(f"no answer within the timeout ({self.timeout:g} s)")
            ready, _, _ = select.select([self.r], [], [], left)
            if not ready:
                raise self._fail(f"no answer within the timeout ({self.timeout:g} s)")
            chunk = os.read(self.r, 1 << 20)
            if not chunk:
                raise self._fail("the browser closed the DevTools pipe (it exited or crashed)")
            self.buf += chunk
        raw, self.buf = self.buf.split(b"\0", 1)
        return json.loads(raw)

    def send(self, method: str, params: dict | None = None, session: str | None = None) -> int:
        self.next_id += 1
        msg: dict[str, Any] = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        data = json.dumps(msg).encode() + b"\0"
        try:
            while data:
                data = data[os.write(self.w, data):]
        except BrokenPipeError:
            raise self._fail(f"the browser closed the DevTools pipe before {method}") from None
        return self.next_id

    def call(self, method: str, params: dict | None = None, session: str | None = None) -> dict:
        """Send a command and wait for its reply; events arriving meanwhile are kept."""
        cid = self.send(method, params, session)
        while True:
            msg = self._read_one()
            if msg.get("id") == cid:
                if "error" in msg:
                    raise self._fail(f"{method} failed: {msg['error']}")
                return msg.get("result", {})
            if "method" in msg:
                self.events.append(msg)

    def wait_event(self, method: str, session: str | None = None) -> dict:
        for i, ev in enumerate(self.events):
            if ev["method"] == method and ev.get("sessionId") == session:
                return self.events.pop(i)
        while True:
            msg = self._read_one()
            if "method" not in msg:
                continue
            if msg["method"] == method and msg.get("sessionId") == session:
                return msg
            self.events.append(msg)


def _remote_text(obj: dict[str, Any]) -> str:
    """A console argument (Runtime.RemoteObject) as console would print it."""
    if "value" in obj:
        v = obj["value"]
        return v if isinstance(v, str) else json.dumps(v)
    if "unserializableValue" in obj:
        return str(obj["unserializableValue"])
    return str(obj.get("description", obj.get("type", "")))


def _exception_text(d: dict[str, Any]) -> str:
    """Runtime.ExceptionDetails as DevTools prints it: "Uncaught Error: x" and the
    stack (or the script's location when there is no stack)."""
    exc = d.get("exception") or {}
    text = (exc.get("description") or _remote_text(exc)) if exc else ""
    head = d.get("text", "Uncaught")
    msg = f"{head} {text}".strip() if text else head
    where = d.get("url") or ""
    if where and where not in msg:
        msg += f" ({where}:{d.get('lineNumber', 0) + 1})"
    return msg


def _above_ten(fd: int) -> int:
    """fd moved to a number >= 10 (close-on-exec)."""
    high = fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 10)
    os.close(fd)
    return high


def live_processes(pgid: int, marker: str) -> list[int]:
    """Processes still running (zombies excluded) in process group ``pgid`` or with
    ``marker`` (the call's private temporary directory) in their command line: the
    browser's group, plus the crashpad handlers, which start sessions of their own."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as f:
                stat = f.read()
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                cmdline = f.read()
        except OSError:
            continue
        fields = stat[stat.rindex(b")") + 2:].split()  # state ppid pgrp ...
        if fields[0] == b"Z":
            continue
        if int(fields[2]) == pgid or marker.encode() in cmdline:
            found.append(int(entry))
    return found


def _close(proc: subprocess.Popen, pipe: _Pipe | None, marker: str) -> list[int]:
    """Browser.close, then SIGKILL whatever is left of the browser (its process group
    and any process with ``marker`` in its command line). Returns the pids still alive
    after that (none, unless the kernel is in trouble)."""
    if proc.poll() is None and pipe is not None:
        try:
            pipe.deadline = time.monotonic() + 5
            pipe.send("Browser.close")
            proc.wait(timeout=5)
        except (BrowserError, OSError, subprocess.TimeoutExpired):
            pass
    try:
        os.killpg(proc.pid, signal.SIGKILL)  # zygotes, renderer, GPU and utility processes
    except ProcessLookupError:
        pass
    proc.wait()
    end = time.monotonic() + 5
    while True:
        left = [pid for pid in live_processes(proc.pid, marker) if pid != os.getpid()]
        if not left or time.monotonic() > end:
            return left
        for pid in left:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        time.sleep(0.05)


def load_in_chromium(html_path: str | os.PathLike, screenshot_path: str | os.PathLike, *,
                     width: int = 1280, height: int = 800, full_page: bool = True,
                     timeout: float = 60.0, settle: float = 0.0,
                     chromium: str | None = None) -> BrowserResult:
    """Open ``html_path`` (a local file) in headless Chromium with a ``width`` x
    ``height`` viewport, wait for the load event and two painted frames (then
    ``settle`` seconds more, for pages that do work later), save a PNG screenshot
    (the whole page if ``full_page``, at most 16,384 px high) to ``screenshot_path``
    and return what was seen. Raises BrowserError when Chromium is missing, fails, or
    ``timeout`` seconds pass in total; the browser never outlives the call."""
    start = time.monotonic()
    deadline = start + timeout
    binary = chromium or chromium_path()
    if binary is None:
        raise BrowserError("chromium not found: run `make test` (scripts/setup.sh --browser "
                           "installs Debian's chromium package)")
    page = Path(html_path).resolve()
    if not page.is_file():
        raise BrowserError(f"no such file: {page}")
    url = page.as_uri()
    shot = Path(screenshot_path)

    tmp = Path(tempfile.mkdtemp(prefix="sostac-chromium-"))
    log = tmp / "stderr.log"
    # fds for the child: 3 reads commands, 4 writes replies. The child's ends are
    # moved to fds >= 10 first, so the dup2s below never clobber one with the other;
    # Python's fds are close-on-exec, so only fds 3 and 4 survive exec.
    cmd_r, cmd_w = os.pipe()
    rep_r, rep_w = os.pipe()
    cmd_r, rep_w = _above_ten(cmd_r), _above_ten(rep_w)

    def child_fds() -> None:  # runs in the child between fork and exec
        os.dup2(cmd_r, 3)  # dup2 clears close-on-exec on the copy
        os.dup2(rep_w, 4)

    args = [binary, *FLAGS, f"--user-data-dir={tmp / 'profile'}",
            f"--window-size={width},{height}"]
    # HOME and the XDG directories inside the call's directory too: the crash-report
    # database (~/.config/chromium), NSS's ~/.pki and caches stay out of the real home
    # and out of each other's way when tests run in parallel.
    env = dict(os.environ, HOME=str(tmp), XDG_CONFIG_HOME=str(tmp / "config"),
               XDG_CACHE_HOME=str(tmp / "cache"))
    env.pop("DBUS_SESSION_BUS_ADDRESS", None)
    proc: subprocess.Popen | None = None
    pipe: _Pipe | None = None
    try:
        try:
            with open(log, "wb") as err:
                proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=err, stderr=err,
                                        close_fds=False, preexec_fn=child_fds,
                                        start_new_session=True, cwd=tmp, env=env)
        except OSError as e:
            raise BrowserError(f"cannot start {binary}: {e}") from None
        os.close(cmd_r)
        os.close(rep_w)
        cmd_r = rep_w = -1
        pipe = _Pipe(cmd_w, rep_r, deadline, log, timeout)

        target = pipe.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        sid = pipe.call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        for domain in ("Runtime", "Log", "Network", "Page"):
            pipe.call(f"{domain}.enable", session=sid)
        pipe.call("Emulation.setDeviceMetricsOverride",
                  {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False},
                  session=sid)
        nav = pipe.call("Page.navigate", {"url": url}, session=sid)
        if nav.get("errorText"):
            raise BrowserError(f"chromium could not open {url}: {nav['errorText']}")
        pipe.wait_event("Page.loadEventFired", session=sid)
        # two animation frames (layout and paint done) and a task turn, then `settle`
        pipe.call("Runtime.evaluate", {
            "expression": "new Promise(r => requestAnimationFrame(() => requestAnimationFrame("
                          f"() => setTimeout(r, {int(settle * 1000)}))))",
            "awaitPromise": True}, session=sid)
        info = pipe.call("Runtime.evaluate", {
            "expression": "({title: document.title, text: document.body ? "
                          "document.body.innerText : ''})",
            "returnByValue": True}, session=sid)["result"].get("value", {})

        shot_params: dict[str, Any] = {"format": "png"}
        if full_page:
            size = pipe.call("Page.getLayoutMetrics", session=sid)
            content = size.get("cssContentSize") or size["contentSize"]
            shot_params.update(captureBeyondViewport=True, clip={
                "x": 0, "y": 0, "scale": 1,
                "width": max(width, min(int(content["width"] + 0.999), 16384)),
                "height": max(height, min(int(content["height"] + 0.999), 16384))})
        png = base64.b64decode(pipe.call("Page.captureScreenshot", shot_params,
                                         session=sid)["data"])
        shot.parent.mkdir(parents=True, exist_ok=True)
        part = shot.with_name(f".{shot.name}.{os.getpid()}.part")
        part.write_bytes(png)
        os.replace(part, shot)  # readers never see half a file

        result = BrowserResult(url=url, title=str(info.get("title", "")),
                               text=str(info.get("text", "")), screenshot=shot)
        main_request = nav.get("loaderId")  # the document's requestId is its loaderId
        requests: dict[str, Request] = {}
        for ev in pipe.events:
            if ev.get("sessionId") != sid:
                continue
            m, p = ev["method"], ev.get("params", {})
            if m == "Runtime.consoleAPICalled":
                frame = ((p.get("stackTrace") or {}).get("callFrames") or [{}])[0]
                result.console.append(ConsoleMessage(
                    level=p.get("type", "log"),
                    text=" ".join(_remote_text(a) for a in p.get("args", [])),
                    source="console-api", url=frame.get("url", ""),
                    line=frame["lineNumber"] + 1 if "lineNumber" in frame else None))
            elif m == "Log.entryAdded":
                e = p["entry"]
                result.console.append(ConsoleMessage(
                    level=e.get("level", "info"), text=e.get("text", ""),
                    source=e.get("source", "other"), url=e.get("url", ""),
                    line=e["lineNumber"] + 1 if "lineNumber" in e else None))
            elif m == "Runtime.exceptionThrown":
                result.exceptions.append(_exception_text(p["exceptionDetails"]))
            elif m == "Network.requestWillBeSent":
                req_url = p["request"]["url"]
                if (p["requestId"] == main_request or urldefrag(req_url)[0] == url
                        or req_url.startswith(LOCAL_SCHEMES)):
                    continue
                requests.setdefault(p["requestId"], Request(req_url, p.get("type", "")))
            elif m == "Network.loadingFailed" and p["requestId"] in requests:
                requests[p["requestId"]].error = p.get("errorText", "failed")
        result.requests = list(requests.values())
    finally:
        for fd in (cmd_r, rep_w):
            if fd >= 0:
                os.close(fd)
        survivors = _close(proc, pipe, f"{tmp}/") if proc is not None else []
        for fd in (cmd_w, rep_r):
            os.close(fd)
        shutil.rmtree(tmp, ignore_errors=True)
    if survivors:  # pragma: no cover - only if SIGKILL failed
        raise BrowserError(f"chromium processes survived SIGKILL: {survivors}")
    result.pid, result.workdir = proc.pid, f"{tmp}/"
    result.seconds = time.monotonic() - start
    return result
