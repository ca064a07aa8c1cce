"""The console of `cargo chalice local`, in headless Chromium (Debian's),
driven by Playwright: run by tests/console.rs, which starts the server on a
copy of examples/hello.

    console_browser.py CONSOLE_URL MAIN_RS SCREENSHOT

Loads the page, finds a route, sends a request from its form and sees the
answer, sees the request in the live log, breaks MAIN_RS and sees the build
error appear, restores it and sees the error go, and saves a screenshot.
Every wait is bounded; any failure exits non-zero with what was expected.
"""

import os
import re
import sys
import tempfile
import time

from playwright.sync_api import expect, sync_playwright

CHROMIUM = os.environ.get("CHALICE_TEST_CHROMIUM", "/usr/bin/chromium")
# Without the background-networking flags, Chromium's own connections are
# refused on this machine and slow the start.
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# A rebuild of the copied app on a busy machine.
REBUILD_MS = 240_000


def main(url, main_rs, screenshot):
    # A busy CI machine: assertions wait up to 20 s (Playwright's default is 5).
    expect.set_options(timeout=20_000)
    source = open(main_rs, encoding="utf-8").read()
    with tempfile.TemporaryDirectory(prefix="chalice-console-chromium-") as profile, sync_playwright() as playwright:
        browser = playwright.chromium.launch_persistent_context(
            profile,
            executable_path=CHROMIUM,
            headless=True,
            args=FLAGS,
            viewport={"width": 1400, "height": 860},
        )
        try:
            page = browser.new_page()
            page.set_default_timeout(30_000)
            page.goto(url)
            expect(page.locator("#connection")).to_have_text("live")
            expect(page.locator("#title")).to_contain_text("hello (dev)")

            # The route table, grouped by resource, with each route's protection.
            route = page.locator('details.route[data-method="GET"][data-path="/items/{id}"]')
            expect(route).to_have_count(1)
            expect(route.locator(".guard")).to_have_text("open")
            expect(page.locator("#routes h3", has_text="/items")).to_have_count(1)

            # POST /items: the body is prefilled from Item's schema.
            create = page.locator('details.route[data-method="POST"][data-path="/items"]')
            create.locator("summary").click()
            body = create.locator('textarea[name="body"]')
            expect(body).to_have_value(re.compile(r'"name": "string"'))
            body.fill('{"name": "pen", "price": 150}')
            create.locator("button.send").click()
            expect(create.locator(".response-status")).to_have_text("201")
            expect(create.locator(".response-body")).to_contain_text('"name": "pen"')
            expect(create.locator(".response-headers")).to_contain_text("x-amzn-requestid")

            # GET /items/{id} with the path parameter filled in.
            route.locator("summary").click()
            route.locator('input[name="id"]').fill("1")
            route.locator("button.send").click()
            expect(route.locator(".response-status")).to_have_text("200")
            expect(route.locator(".response-body")).to_contain_text('"price": 150')
            expect(route.locator(".duration")).to_contain_text(" ms")

            # The live log: both requests, with the function's log lines.
            entry = page.locator("#log .entry", has=page.locator(".request-path", has_text="/items/1"))
            expect(entry).to_have_count(1)
            expect(entry).to_have_attribute("data-status", "200")
            expect(entry).to_have_attribute("data-kind", re.compile(r"^(cold|warm)$"))
            expect(entry.locator("pre")).to_contain_text("REPORT RequestId")
            posted = page.locator("#log .entry", has=page.locator(".request-path", has_text=re.compile(r"^/items$")))
            expect(posted).to_have_attribute("data-status", "201")
            # The filter hides what does not match.
            page.locator("#filter").fill("201")
            expect(entry).to_be_hidden()
            expect(posted).to_be_visible()
            page.locator("#filter").fill("")
            expect(page.locator(".instances").first).to_contain_text("cold starts")

            # A broken edit: the build error appears; the last build still serves.
            with open(main_rs, "w", encoding="utf-8") as broken:
                broken.write(source + "\nfn broken( {\n")
            error = page.locator("#build-error")
            expect(error).to_be_visible(timeout=REBUILD_MS)
            expect(page.locator("#build-error-text")).to_contain_text("error", timeout=5_000)

            # The fix: the error goes with the reload.
            with open(main_rs, "w", encoding="utf-8") as fixed:
                fixed.write(source)
            expect(error).to_be_hidden(timeout=REBUILD_MS)
            expect(page.locator("#reloads")).to_contain_text("reloads 1")

            # The new build starts empty: the item is gone (404, ChaliceError's
            # shape), and comes back once posted again.
            route.locator("button.send").click()
            expect(route.locator(".response-status")).to_have_text("404")
            expect(route.locator(".response-body")).to_contain_text("NotFoundError")
            create.locator("button.send").click()
            expect(create.locator(".response-status")).to_have_text("201")
            route.locator("button.send").click()
            expect(route.locator(".response-status")).to_have_text("200")

            # For the guide: the answer, and the request's log entry open.
            expect(entry.first).to_have_attribute("data-status", "200")
            entry.first.locator("summary").click()
            time.sleep(0.3)
            page.screenshot(path=screenshot, full_page=False)
        finally:
            browser.close()


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    main(*sys.argv[1:])
