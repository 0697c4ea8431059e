#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Drive the web console in headless Chromium, for the system tests.

  console_page.py --url http://127.0.0.1:8080/ --profile DIR [--log FILE]

Opens the page, then reads one command per line on stdin (a JSON array) and
answers each with one JSON line on stdout: {"ok": true, ...} or
{"ok": false, "error": "..."}. What it reports is what the page shows (the
DOM the operator sees), not what the server said. Commands:

  ["wait_ready", T]              the page finished a refresh (overview and sessions)
  ["state"]                      rows of the sessions table, the form, the read-only
                                 notice, the message line, script errors
  ["wait_row", NAME, MIN, T]     until the row NAME shows at least MIN packets A->B
                                 (MIN -1: until there is no row NAME)
  ["wait_refresh", T]            until the page has refreshed once more
  ["wait_status", TEXT, T]       until the page's status line contains TEXT
  ["create", {FIELDS}, T]        type FIELDS (listen, source, forward, destination,
                                 name; rtcp: bool) into the form, click Create, wait
                                 for the page's message
  ["destroy", ID, T]             click the row's Destroy button twice (it asks for a
                                 confirmation click), wait until the row is gone
  ["fetch", METHOD, PATH, BODY]  fetch() from the page (its origin), JSON body
  ["screenshot", FILE]
  ["quit"]

The browser is a child in its own process group, ended by its id on quit,
on end of input and on SIGTERM. Every wait is bounded by its T (seconds).
"""
import argparse
import json
import os
import signal
import sys
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cdp import Browser, CDPError  # noqa: E402

STATE_JS = r"""(() => {
  const $ = (id) => document.getElementById(id);
  const visible = (el) => !!el && !el.hidden && el.offsetParent !== null;
  const rows = Array.from(document.querySelectorAll("#sessions-body tr")).map((tr) => {
    const cells = {};
    for (const td of tr.querySelectorAll("td[data-field]")) {
      cells[td.dataset.field] = {text: td.textContent, value: td.dataset.value};
    }
    const btn = tr.querySelector('button[data-action="destroy"]');
    return {
      id: tr.dataset.sessionId, name: tr.dataset.name, state: tr.dataset.state,
      a_packets: Number((cells.a_packets || {}).value || 0),
      b_packets: Number((cells.b_packets || {}).value || 0),
      a_rate: (cells.a_rate || {}).value || "",
      cells: cells,
      destroy_visible: visible(btn),
    };
  });
  return {
    refreshed: Number(document.body.dataset.refreshed || 0),
    status: $("status").textContent,
    form_visible: visible($("create-form")),
    read_only_visible: visible($("read-only")),
    read_only_reason: $("read-only-reason").textContent,
    message: $("message").hidden ? "" : $("message").textContent,
    message_kind: $("message").className,
    last_created: $("create-form").dataset.lastCreated || "",
    graphs: document.querySelectorAll(".graph canvas").length,
    rows: rows,
  };
})()"""


class Driver:
    def __init__(self, page):
        self.page = page

    def state(self):
        st = self.page.evaluate(STATE_JS)
        self.page.b.pump(0)
        st["errors"] = self.page.errors()
        return st

    def wait(self, what, timeout, test):
        """Poll the page's state every 0.2 s until test(state) holds."""
        deadline = time.monotonic() + timeout
        st = None
        while time.monotonic() < deadline:
            st = self.state()
            if test(st):
                return st
            self.page.b.pump(0.2)
        raise CDPError("%s: not within %.0f s; the page shows %s" % (what, timeout, json.dumps(summary(st))))

    def wait_ready(self, timeout):
        return self.wait("a first refresh", timeout, lambda s: s["refreshed"] >= 1)

    def wait_refresh(self, timeout):
        n = self.state()["refreshed"]
        return self.wait("another refresh", timeout, lambda s: s["refreshed"] > n)

    def wait_status(self, text, timeout):
        return self.wait("status %r" % text, timeout, lambda s: text in s["status"])

    def wait_row(self, name, minimum, timeout):
        def test(st):
            row = next((r for r in st["rows"] if r["name"] == name), None)
            return row is None if minimum < 0 else row is not None and row["a_packets"] >= minimum
        st = self.wait("row %s with %s packets" % (name, "no" if minimum < 0 else ">= %d" % minimum),
                       timeout, test)
        st["row"] = next((r for r in st["rows"] if r["name"] == name), None)
        return st

    def create(self, fields, timeout):
        if not self.state()["form_visible"]:
            raise CDPError("the create form is not shown")
        for key in ("listen", "source", "forward", "destination", "name"):
            self.page.type_into("#f-" + key, fields.get(key, ""))
        want_rtcp = fields.get("rtcp", True)
        if self.page.evaluate('document.getElementById("f-rtcp").checked') != want_rtcp:
            self.page.click("#f-rtcp")
        before = self.page.evaluate('document.getElementById("message").textContent')
        self.page.evaluate('document.getElementById("message").textContent = ""')
        self.page.click("#create-button")
        st = self.wait("an answer to Create", timeout, lambda s: s["message"] != "")
        st["previous_message"] = before
        return st

    def destroy(self, session_id, timeout):
        sel = 'tr[data-session-id="%s"] button[data-action="destroy"]' % session_id
        self.page.click(sel)
        self.page.b.pump(0.3)
        self.page.click(sel)  # the confirmation
        return self.wait("row %s gone" % session_id, timeout,
                         lambda s: all(r["id"] != str(session_id) for r in s["rows"]))

    def fetch(self, method, path, body):
        js = """(async () => {
            const init = {method: %s, headers: {}};
            const body = %s;
            if (body !== null) { init.headers["Content-Type"] = "application/json"; init.body = JSON.stringify(body); }
            const r = await fetch(%s, init);
            return {status: r.status, text: await r.text()};
        })()""" % (json.dumps(method), json.dumps(body), json.dumps(path))
        return self.page.evaluate(js)


def summary(st):
    if st is None:
        return None
    return {k: st[k] for k in ("status", "form_visible", "read_only_visible", "message", "errors")} | {
        "rows": [{k: r[k] for k in ("id", "name", "state", "a_packets", "a_rate")} for r in st["rows"]]}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--url", required=True)
    ap.add_argument("--profile", required=True, help="a fresh directory for Chromium's profile")
    ap.add_argument("--log", help="Chromium's own output")
    ap.add_argument("--chromium", help="the browser binary (default: chromium on PATH)")
    args = ap.parse_args()

    def answer(obj):
        sys.stdout.write(json.dumps(obj) + "\n")
        sys.stdout.flush()

    try:
        browser = Browser(args.profile, chromium=args.chromium, log_path=args.log)
    except (CDPError, OSError) as e:
        answer({"ok": False, "error": "chromium did not start: %s" % e})
        return 1
    # The case that runs us may be stopped: take the browser along.
    signal.signal(signal.SIGTERM, lambda *_: (browser.close(), os._exit(1)))
    try:
        page = browser.new_page()
        page.navigate(args.url)
        answer({"ok": True, "opened": args.url})
    except CDPError as e:
        answer({"ok": False, "error": str(e)})
        browser.close()
        return 1
    d = Driver(page)
    try:
        for line in sys.stdin:
            line = line.strip()
            if not line:
                continue
            try:
                cmd = json.loads(line)
                name, rest = cmd[0], cmd[1:]
                if name == "quit":
                    answer({"ok": True})
                    break
                if name == "state":
                    out = d.state()
                elif name == "wait_ready":
                    out = d.wait_ready(float(rest[0]))
                elif name == "wait_refresh":
                    out = d.wait_refresh(float(rest[0]))
                elif name == "wait_status":
                    out = d.wait_status(str(rest[0]), float(rest[1]))
                elif name == "wait_row":
                    out = d.wait_row(rest[0], int(rest[1]), float(rest[2]))
                elif name == "create":
                    out = d.create(rest[0], float(rest[1]))
                elif name == "destroy":
                    out = d.destroy(rest[0], float(rest[1]))
                elif name == "fetch":
                    out = d.fetch(rest[0], rest[1], rest[2] if len(rest) > 2 else None)
                elif name == "screenshot":
                    page.screenshot(rest[0])
                    out = {}
                else:
                    raise CDPError("unknown command %r" % name)
                out["ok"] = True
                answer(out)
            except (CDPError, ValueError, IndexError, KeyError, TypeError) as e:
                answer({"ok": False, "error": str(e)})
    finally:
        browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
