"""Debian's Chromium driven by Playwright: where it is, how it starts, how a person logs in.

Shared by the browser tests (tests/e2e) and the README's screenshots
(``python -m tests.screenshots``). Playwright downloads no browser here: it
drives /usr/bin/chromium (``apt-get install chromium``).
"""

import shutil
from contextlib import contextmanager

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
# Flags for a headless browser on a machine with no network but loopback:
# background services would only fail to connect.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]


@contextmanager
def launched_chromium():
    """A headless Chromium for the length of the block."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def log_in(page, base_url: str, username: str, password: str) -> None:
    """Log in through the form, as a person would, and wait for the page it leads to."""
    page.goto(base_url + "/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    with page.expect_navigation():
        page.click("main button[type=submit]")
