"""Retake the README's screenshots into docs/screenshots/: ``python -m tests.screenshots``.

Runs tests/e2e/screenshots.py under pytest, which starts Beacon's processes
on a test database of its own, as the browser tests do. Needs Chromium.
"""

import sys

import pytest

if __name__ == "__main__":
    sys.exit(pytest.main(["tests/e2e/screenshots.py", "-q", "-p", "no:cacheprovider", *sys.argv[1:]]))
