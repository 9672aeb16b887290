"""The console watch itself: a CSP violation and a JavaScript error on a page are caught (the
test then clears them, so that it passes), and the policy is the one the server sends."""

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_csp_violations_and_errors_are_caught(page, live_server, _console_watch):
    response = page.goto(f"{live_server.url}/login/")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    # An inline script added to the page is refused by the policy (and so never runs).
    page.evaluate(
        """() => { const s = document.createElement("script"); s.textContent = "window.ran = 1";
                   document.body.appendChild(s); }"""
    )
    page.evaluate("() => setTimeout(() => { throw new Error('boom') }, 0)")
    page.wait_for_timeout(300)
    assert page.evaluate("() => window.ran") is None
    problems = "\n".join(_console_watch.problems)
    assert "Content Security Policy" in problems and "boom" in problems
    _console_watch.problems.clear()
