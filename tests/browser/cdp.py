# SPDX-License-Identifier: BSD-3-Clause
"""A small Chrome DevTools Protocol client over --remote-debugging-pipe.

Debian's chromium, headless, is driven through two pipes (file descriptors 3
and 4 of the browser, NUL-separated JSON messages): no WebSocket, no port, no
library from outside Debian. Every wait is bounded.

    with Browser(user_data_dir) as b:
        page = b.new_page()
        page.navigate("http://127.0.0.1:8080/")
        page.evaluate("document.title")
"""
import json
import os
import select
import shutil
import signal
import subprocess
import time

CHROMIUM_FLAGS = [
    "--headless=new",
    "--no-sandbox",  # as root (the system tests run as root) Chromium needs it
    "--disable-gpu",
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--disable-dev-shm-usage",
    "--disable-features=Translate,MediaRouter,OptimizationHints",
    "--password-store=basic",
    "--mute-audio",
    "--window-size=1400,1000",
    "--remote-debugging-pipe",
]


class CDPError(Exception):
    pass


def find_chromium():
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


class Browser:
    """One headless Chromium in its own process group, killed by that id at close()."""

    def __init__(self, user_data_dir, chromium=None, log_path=None, timeout=20.0):
        self.timeout = timeout
        self.next_id = 0
        self.buf = b""
        self.events = []
        chromium = chromium or find_chromium()
        if chromium is None:
            raise CDPError("no chromium on this host (Debian package chromium)")
        os.makedirs(user_data_dir, exist_ok=True)
        to_browser_r, self.to_browser = os.pipe()
        self.from_browser, from_browser_w = os.pipe()
        log = open(log_path or os.devnull, "ab")

        def child_fds():
            os.dup2(to_browser_r, 3)
            os.dup2(from_browser_w, 4)

        self.proc = subprocess.Popen(
            [chromium, *CHROMIUM_FLAGS, "--user-data-dir=" + user_data_dir, "about:blank"],
            stdin=subprocess.DEVNULL, stdout=log, stderr=log, pass_fds=(3, 4),
            preexec_fn=child_fds, start_new_session=True)
        log.close()
        os.close(to_browser_r)
        os.close(from_browser_w)
        # A first start on a fresh machine is slow (usertools/setup warms it up).
        self.call("Browser.getVersion", timeout=max(self.timeout, 35.0))

    # ------------------------------------------------------------ protocol

    def send(self, method, params=None, session=None):
        self.next_id += 1
        msg = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        data = json.dumps(msg).encode() + b"\0"
        while data:
            n = os.write(self.to_browser, data)
            data = data[n:]
        return self.next_id

    def _read_message(self, deadline):
        while b"\0" not in self.buf:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            ready, _, _ = select.select([self.from_browser], [], [], left)
            if not ready:
                return None
            chunk = os.read(self.from_browser, 1 << 20)
            if not chunk:
                raise CDPError("chromium closed its DevTools pipe (it exited: %s)" % self.proc.poll())
            self.buf += chunk
        raw, self.buf = self.buf.split(b"\0", 1)
        return json.loads(raw)

    def call(self, method, params=None, session=None, timeout=None):
        """Send and wait for the answer; events that arrive meanwhile are kept."""
        want = self.send(method, params, session)
        deadline = time.monotonic() + (timeout or self.timeout)
        while True:
            msg = self._read_message(deadline)
            if msg is None:
                raise CDPError("%s: no answer within %.0f s" % (method, timeout or self.timeout))
            if msg.get("id") == want:
                if "error" in msg:
                    raise CDPError("%s: %s" % (method, msg["error"].get("message")))
                return msg.get("result", {})
            if "method" in msg:
                self.events.append(msg)

    def pump(self, seconds):
        """Take the events that arrive within seconds."""
        deadline = time.monotonic() + seconds
        while True:
            msg = self._read_message(deadline)
            if msg is None:
                return
            if "method" in msg:
                self.events.append(msg)

    def take_events(self, method=None):
        got = [e for e in self.events if method is None or e["method"] == method]
        self.events = [e for e in self.events if not (method is None or e["method"] == method)]
        return got

    def new_page(self):
        target = self.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = self.call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        return Page(self, session)

    # ------------------------------------------------------------ lifecycle

    def close(self):
        """Ask the browser to close, then end its process group by id."""
        if self.proc.poll() is None:
            try:
                self.send("Browser.close")
            except OSError:
                pass
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pass
        for sig in (signal.SIGTERM, signal.SIGKILL):
            try:
                os.killpg(self.proc.pid, sig)
            except ProcessLookupError:
                break
            time.sleep(0.3)
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass
        for fd in (self.to_browser, self.from_browser):
            try:
                os.close(fd)
            except OSError:
                pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class Page:
    """One tab, attached with a flat session."""

    def __init__(self, browser, session):
        self.b = browser
        self.session = session
        for domain in ("Page", "Runtime", "Log"):
            self.call(domain + ".enable")

    def call(self, method, params=None, timeout=None):
        return self.b.call(method, params, self.session, timeout)

    def navigate(self, url, timeout=15.0):
        self.b.take_events("Page.loadEventFired")
        r = self.call("Page.navigate", {"url": url})
        if r.get("errorText"):
            raise CDPError("navigate to %s: %s" % (url, r["errorText"]))
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if any(e.get("sessionId") == self.session for e in self.b.take_events("Page.loadEventFired")):
                return
            self.b.pump(0.1)
        raise CDPError("%s did not load within %.0f s" % (url, timeout))

    def evaluate(self, expression, timeout=10.0):
        """The value of a JavaScript expression (promises awaited), as JSON."""
        r = self.call("Runtime.evaluate", {"expression": expression, "returnByValue": True,
                                           "awaitPromise": True, "timeout": int(timeout * 1000)},
                      timeout=timeout + 2)
        if "exceptionDetails" in r:
            d = r["exceptionDetails"]
            raise CDPError("page script failed: %s" % (d.get("exception", {}).get("description") or d.get("text")))
        return r.get("result", {}).get("value")

    def click(self, selector):
        """A real mouse click at the middle of the element (it must be visible)."""
        box = self.evaluate("""(() => {
            const el = document.querySelector(%s);
            if (!el) return null;
            el.scrollIntoView({block: "center"});
            const r = el.getBoundingClientRect();
            return r.width && r.height ? {x: r.left + r.width / 2, y: r.top + r.height / 2} : null;
        })()""" % json.dumps(selector))
        if box is None:
            raise CDPError("nothing visible to click at %s" % selector)
        for kind in ("mouseMoved", "mousePressed", "mouseReleased"):
            self.call("Input.dispatchMouseEvent", {"type": kind, "x": box["x"], "y": box["y"],
                                                   "button": "left", "clickCount": 1})

    def type_into(self, selector, text):
        """Focus the field, clear it, and type text as keyboard input."""
        ok = self.evaluate("""(() => {
            const el = document.querySelector(%s);
            if (!el) return false;
            el.focus();
            el.select && el.select();
            return document.activeElement === el;
        })()""" % json.dumps(selector))
        if not ok:
            raise CDPError("cannot focus %s" % selector)
        self.call("Input.dispatchKeyEvent", {"type": "keyDown", "key": "Backspace", "code": "Backspace",
                                             "windowsVirtualKeyCode": 8})
        self.call("Input.dispatchKeyEvent", {"type": "keyUp", "key": "Backspace", "code": "Backspace",
                                             "windowsVirtualKeyCode": 8})
        if text:
            self.call("Input.insertText", {"text": text})

    def screenshot(self, path):
        import base64
        data = self.call("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True})["data"]
        with open(path, "wb") as f:
            f.write(base64.b64decode(data))

    def errors(self):
        """Script exceptions and console/log errors (CSP violations included) so far."""
        out = []
        for e in self.b.events:
            if e.get("sessionId") != self.session:
                continue
            p = e.get("params", {})
            if e["method"] == "Runtime.exceptionThrown":
                d = p.get("exceptionDetails", {})
                out.append("exception: " + (d.get("exception", {}).get("description") or d.get("text", "")))
            elif e["method"] == "Runtime.consoleAPICalled" and p.get("type") == "error":
                out.append("console.error: " + " ".join(str(a.get("value", a.get("description", "")))
                                                         for a in p.get("args", [])))
            elif (e["method"] == "Log.entryAdded" and p.get("entry", {}).get("level") == "error"
                  and p["entry"].get("source") != "network"):
                # network: an HTTP error status the page asked for and handles (a 409, a 403)
                out.append("log (%s): %s" % (p["entry"].get("source"), p["entry"].get("text", "")))
        return out
