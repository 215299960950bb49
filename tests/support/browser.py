"""A person at a browser, as far as HTTP goes: cookies, CSRF tokens, forms."""

import http.cookiejar
import json
import re
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass


@dataclass
class Page:
    status: int
    url: str
    text: str
    headers: dict

    def json(self):
        return json.loads(self.text)

    def csrf_token(self) -> str:
        match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', self.text)
        assert match, "the page has no form with a CSRF token"
        return match.group(1)

    def body_attribute(self, name: str) -> str:
        match = re.search(rf'<body[^>]*\s{re.escape(name)}="([^"]*)"', self.text)
        assert match, f"the page's body has no {name}"
        return match.group(1)

    def element_text(self, element_id: str) -> str:
        match = re.search(rf'id="{re.escape(element_id)}"[^>]*>([^<]*)<', self.text)
        assert match, f"the page has no element #{element_id}"
        return match.group(1).strip()


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Browser:
    def __init__(self, base_url: str, cookies: http.cookiejar.CookieJar | None = None):
        self.base_url = base_url.rstrip("/")
        self.cookies = cookies if cookies is not None else http.cookiejar.CookieJar()
        self._opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.cookies), _NoRedirect)

    def at(self, base_url: str) -> "Browser":
        """The same browser (same cookies) talking to another address."""
        return Browser(base_url, self.cookies)

    def get(self, path: str, *, timeout: float = 40, headers: dict | None = None) -> Page:
        return self._send(urllib.request.Request(self.base_url + path, headers=headers or {}), timeout)

    def post(self, path: str, data: dict, *, referer_path: str | None = None, timeout: float = 20) -> Page:
        body = urllib.parse.urlencode(data).encode()
        headers = {"Content-Type": "application/x-www-form-urlencoded",
                   "Referer": self.base_url + (referer_path or path), "Origin": self.base_url}
        return self._send(urllib.request.Request(self.base_url + path, data=body, headers=headers), timeout)

    def submit(self, form_path: str, data: dict, *, action: str | None = None) -> Page:
        """Load the page holding a form, then post it with that page's CSRF token."""
        form_page = self.get(form_path)
        return self.post(action or form_path, {"csrfmiddlewaretoken": form_page.csrf_token(), **data},
                         referer_path=form_path)

    def log_in(self, username: str, password: str) -> None:
        page = self.submit("/accounts/login/", {"username": username, "password": password})
        assert page.status == 302, f"log-in as {username} failed: {page.status} {page.text[:200]}"

    def poll(self, cursor: int | None = None, **params) -> Page:
        query = {} if cursor is None else {"cursor": cursor}
        query.update(params)
        return self.get("/realtime/poll" + ("?" + urllib.parse.urlencode(query) if query else ""))

    def _send(self, request, timeout) -> Page:
        try:
            with self._opener.open(request, timeout=timeout) as response:
                return Page(response.status, response.url, response.read().decode(), dict(response.headers))
        except urllib.error.HTTPError as error:
            return Page(error.code, request.full_url, error.read().decode(), dict(error.headers))
