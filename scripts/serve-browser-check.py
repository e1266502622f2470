"""phbsim serve in a real browser: headless Chromium driven over WebDriver
(chromedriver, Debian's package), standard library only.

Loads the page, moves controls, waits for each redraw, and checks that the numbers the
page shows are those of `phbsim run` of the same variant, exactly; types a bad value
and checks the page shows `phbsim validate`'s message and keeps working; keeps the
what-if as a variant and checks the file validates and runs to the same numbers.
Reports the round trip, input to redrawn page, as the page measures it.

    python3 scripts/serve-browser-check.py PHBSIM OUT

Called by scripts/serve-browser-check.sh, which installs what it needs.
"""

import base64
import csv
import io
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

PHBSIM, OUT = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
KEPT = "s117 ceiling 90%, CMHT pass-through 90%"
failures = []


def fail(message):
    print("FAIL: " + message, file=sys.stderr)
    failures.append(message)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Driver:
    """The few WebDriver commands this check needs."""

    def __init__(self, port, profile):
        self.base = f"http://127.0.0.1:{port}"
        deadline = time.time() + 30
        while True:
            try:
                self.call("GET", "/status")
                break
            except OSError:
                if time.time() > deadline:
                    raise
                time.sleep(0.2)
        args = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", f"--user-data-dir={profile}",
                "--window-size=1440,1000"]
        caps = {"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {"binary": shutil.which("chromium"), "args": args},
            "goog:loggingPrefs": {"browser": "ALL"},
        }}}
        self.session = self.call("POST", "/session", caps)["sessionId"]

    def call(self, method, path, body=None):
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.base + path, data=data, method=method,
                                         headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=120) as answer:
                return json.loads(answer.read())["value"]
        except urllib.error.HTTPError as e:
            raise RuntimeError(f"WebDriver {method} {path}: {e.read()[:500]!r}") from None

    def at(self, path, body=None, method="POST"):
        return self.call(method, f"/session/{self.session}{path}", body)

    def js(self, script, *args):
        return self.at("/execute/sync", {"script": script, "args": list(args)})

    def wait(self, script, what, seconds=60):
        deadline = time.time() + seconds
        while time.time() < deadline:
            value = self.js(script)
            if value:
                return value
            time.sleep(0.02)
        raise RuntimeError(f"timed out waiting for {what}")

    def screenshot(self, path):
        with open(path, "wb") as f:
            f.write(base64.b64decode(self.at("/screenshot", method="GET")))

    def console(self):
        try:
            return self.at("/se/log", {"type": "browser"})
        except RuntimeError:
            return []

    def quit(self):
        try:
            self.call("DELETE", f"/session/{self.session}")
        except Exception:
            pass


def rows(text, name):
    """The CSV rows of scenario `name`, without the scenario column."""
    return [r[1:] for r in csv.reader(io.StringIO(text)) if r and r[0] == name]


def drawn_after(driver, seq):
    """Waits for the page to draw answer `seq`; returns its timing."""
    driver.wait(f"return document.body.dataset.drawn === '{seq}' && window.phbsimLast "
                f"&& window.phbsimLast.seq === {seq}", f"the redraw of answer {seq}")
    return driver.js("return window.phbsimLast")


def move(driver, path, value, how):
    """Moves a control: drags its slider (`input` then `change`) or types in its box."""
    return driver.js("""
        const [path, value, how] = arguments;
        const box = document.querySelector(`.control[data-path="${path}"]`);
        box.closest('details').open = true;
        const input = box.querySelector(how === 'slider' ? 'input[type=range]' : 'input.value');
        input.value = value;
        if (how === 'slider') input.dispatchEvent(new Event('input', {bubbles: true}));
        input.dispatchEvent(new Event('change', {bubbles: true}));
        box.scrollIntoView({block: 'center'});
        return true;""", path, value, how)


VARIANT_ROWS = """
    const name = arguments[0];
    for (const body of document.querySelectorAll('#variants table.variants tbody')) {
      const head = body.querySelector('th.variant');
      if (!head || head.textContent.trim() !== name) continue;
      return [...body.querySelectorAll('tr')].map((tr) =>
        [...tr.children].filter((c) => !c.classList.contains('variant'))
          .map((c) => c.textContent.trim().replace(/\\s+/g, ' ')));
    }
    return null;"""


def main():
    os.makedirs(OUT, exist_ok=True)
    work = tempfile.mkdtemp()
    scenario = os.path.join(work, "icb.toml")
    shutil.copy(os.path.join(ROOT, "scenarios", "example-icb.toml"), scenario)
    original = open(scenario).read()
    # Served by its relative name, as a user in the scenario's folder would.
    server = subprocess.Popen([PHBSIM, "serve", "icb.toml", "--port", "0", "-n", "1000"],
                              cwd=work, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                              text=True)
    driver_port = free_port()
    chromedriver = subprocess.Popen(["chromedriver", f"--port={driver_port}"],
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    driver = None
    try:
        url = server.stdout.readline().strip()
        print(f"== serving {url.split('?')[0]}")
        driver = Driver(driver_port, os.path.join(work, "profile"))
        driver.at("/url", {"url": url})
        drawn_after(driver, 1)
        driver.screenshot(os.path.join(OUT, "serve-base.png"))

        print("== moving a slider and typing a value")
        move(driver, "cohorts.s117.uptake.ceiling", "0.9", "slider")
        first = drawn_after(driver, 2)
        move(driver, "providers.trust.services.cmht.pass_through", "0.9", "box")
        second = drawn_after(driver, 3)
        trips = [first["roundTrip"], second["roundTrip"]]
        servers = [first["server"], second["server"]]
        driver.js("document.querySelector('main').scrollTop = 0; return true;")
        driver.screenshot(os.path.join(OUT, "serve-what-if.png"))
        driver.js("document.getElementById('variants').scrollIntoView(); return true;")
        driver.screenshot(os.path.join(OUT, "serve-variants.png"))
        shown = {
            "compare": driver.js("return document.getElementById('compare-csv').textContent"),
            "summary": driver.js("return document.getElementById('summary-csv').textContent"),
            "table": driver.js(VARIANT_ROWS, "what-if"),
        }
        if not shown["table"]:
            fail("the page shows no variant table for the what-if")

        print("== a bad value: validate's message, and the page keeps working")
        move(driver, "providers.trust.services.crisis.backfill", "lots", "box")
        driver.wait("return document.body.dataset.refused === '4'", "the refusal")
        message = driver.js("return document.getElementById('problems').textContent")
        if "expected a number" not in message or "icb.toml:" not in message:
            fail(f"the refusal does not read as validate's message: {message[:300]!r}")
        driver.screenshot(os.path.join(OUT, "serve-invalid.png"))
        # Back to the scenario's value: the what-if is again the two changes above.
        driver.js("""document.querySelector('.control[data-path="providers.trust.services.crisis.backfill"] button').click(); return true;""")
        again = drawn_after(driver, 5)
        trips.append(again["roundTrip"])
        servers.append(again["server"])
        if driver.js("return document.getElementById('compare-csv').textContent") != shown["compare"]:
            fail("the same what-if drew different numbers the second time")

        print("== keep as variant")
        driver.js("document.getElementById('keep-name').value = arguments[0]; "
                  "document.getElementById('keep').click(); return true;", KEPT)
        driver.wait("return document.body.dataset.kept", "the variant to be kept")
        for entry in driver.console():
            # The bad value above is answered 422 on purpose; the console notes it.
            if entry.get("level") in ("SEVERE", "WARNING") and "status of 422" not in entry.get("message", ""):
                fail(f"browser console: {entry.get('message')}")

        kept = open(scenario).read()
        if not kept.startswith(original.rstrip()):
            fail("keeping the variant changed the file's existing text")
        check = subprocess.run([PHBSIM, "validate", scenario], capture_output=True, text=True)
        if check.returncode != 0:
            fail(f"the kept file does not validate:\n{check.stderr}")
        out = os.path.join(work, "out")
        run = subprocess.run([PHBSIM, "run", scenario, "-n", "1000", "-o", out, "-q"],
                             capture_output=True, text=True)
        if run.returncode != 0:
            fail(f"phbsim run of the kept file failed:\n{run.stderr}")
        else:
            compare = open(os.path.join(out, "compare.csv")).read()
            summary = open(os.path.join(out, "summary.csv")).read()
            if rows(compare, KEPT) != rows(shown["compare"], "what-if") or not rows(compare, KEPT):
                fail("the page's paired differences are not compare.csv's for the kept variant")
            if rows(summary, KEPT) != rows(shown["summary"], "what-if") or not rows(summary, KEPT):
                fail("the page's summary is not summary.csv's for the kept variant")
            driver.at("/url", {"url": "file://" + os.path.join(out, "report.html")})
            report_table = driver.js(VARIANT_ROWS, KEPT)
            if report_table != shown["table"]:
                fail(f"the page's variant table differs from report.html's:\n{shown['table']}\n{report_table}")
            print(f"page and `phbsim run` agree: {len(rows(compare, KEPT))} compare.csv rows, "
                  f"{len(rows(summary, KEPT))} summary.csv rows, {len(report_table or [])} table rows")
        print("round trip, input to redrawn page (s): " + ", ".join(f"{t:.3f}" for t in trips)
              + f"; of which the server (s): " + ", ".join(f"{t:.3f}" for t in servers))
        with open(os.path.join(OUT, "round-trip.txt"), "w") as f:
            f.write(json.dumps({"round_trip_seconds": trips, "server_seconds": servers}) + "\n")
    finally:
        if driver:
            driver.quit()
        chromedriver.kill()
        server.kill()
        chromedriver.wait()
        server.wait()
        shutil.rmtree(work, ignore_errors=True)
    if failures:
        sys.exit(1)
    print("serve browser check passed")


main()
