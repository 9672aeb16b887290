"""``luoshi serve``: gunicorn with the options it is given, hashed static files, a clean stop."""

import json
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest

from luoshi import cli, localkeys

from .clean_env import ROOT, clean_env, share_test_database


def _serve_command(monkeypatch, argv):
    commands = []
    monkeypatch.setattr(cli.os, "execv", lambda path, args: commands.append(args))
    assert cli.main(["serve", *argv]) == 0
    (command,) = commands
    assert command[:4] == [sys.executable, "-m", "gunicorn", "luoshi.wsgi:application"]
    pairs = {}
    for i, word in enumerate(command):
        if word.startswith("--") and i + 1 < len(command) and not command[i + 1].startswith("--"):
            pairs[word] = command[i + 1]
    return command, pairs


def test_serve_builds_the_gunicorn_command(monkeypatch):
    for name in (
        "LUOSHI_PORT",
        "LUOSHI_HOST",
        "LUOSHI_WEB_WORKERS",
        "LUOSHI_WEB_THREADS",
        "LUOSHI_WEB_BACKLOG",
    ):
        monkeypatch.delenv(name, raising=False)
    command, opts = _serve_command(monkeypatch, [])
    assert opts["--bind"] == "127.0.0.1:8000" and opts["--workers"] == "2" and opts["--threads"] == "4"
    assert opts["--worker-class"] == "gthread" and opts["--backlog"] == "2048"
    assert opts["--access-logfile"] == "-" and opts["--timeout"] == "60" and "--no-control-socket" in command

    command, opts = _serve_command(
        monkeypatch,
        ["--host", "0.0.0.0", "--port", "9001", "--workers", "5", "--threads", "8", "--timeout", "30"],
    )
    assert opts["--bind"] == "0.0.0.0:9001" and opts["--workers"] == "5" and opts["--threads"] == "8"
    assert opts["--timeout"] == "30"

    monkeypatch.setenv("LUOSHI_PORT", "8123")
    monkeypatch.setenv("LUOSHI_WEB_WORKERS", "3")
    monkeypatch.setenv("LUOSHI_WEB_BACKLOG", "4096")
    _, opts = _serve_command(monkeypatch, ["--host", "::1"])
    assert opts["--bind"] == "[::1]:8123" and opts["--workers"] == "3" and opts["--backlog"] == "4096"


def test_serve_help_and_bad_options(capsys, monkeypatch):
    monkeypatch.setattr(cli.os, "execv", lambda *a: pytest.fail("must not start a server"))
    with pytest.raises(SystemExit) as exit_:
        cli.main(["serve", "--help"])
    assert exit_.value.code == 0 and "--workers" in capsys.readouterr().out
    with pytest.raises(SystemExit) as exit_:
        cli.main(["serve", "--workers", "many"])
    assert exit_.value.code == 2


def test_serve_refuses_without_collected_static_files(monkeypatch, settings, tmp_path, capsys):
    monkeypatch.setattr(cli.os, "execv", lambda *a: pytest.fail("must not start a server"))
    settings.STATIC_MANIFEST, settings.STATIC_ROOT = True, tmp_path
    assert cli.main(["serve"]) == 1
    assert "collectstatic" in capsys.readouterr().err


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _get(url):
    try:
        with urllib.request.urlopen(url, timeout=20) as response:  # the first request imports the app
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


@pytest.mark.django_db(transaction=True)  # the copy of the test database needs no open transaction
def test_serve_runs_gunicorn_with_hashed_static_files_and_stops_on_sigterm(tmp_path):
    """The way a deployment (and ``luoshi demo``) runs it: collectstatic, then ``luoshi serve``."""
    localkeys.ensure_secret(tmp_path)  # as luoshi demo leaves it: no LUOSHI_SECRET_KEY in the environment
    env = clean_env(tmp_path, **share_test_database(tmp_path))
    run = subprocess.run(
        [sys.executable, "-m", "luoshi.cli", "manage", "collectstatic", "--noinput", "-v", "0"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 0, run.stderr
    manifest = json.loads((tmp_path / "static" / "staticfiles.json").read_text())["paths"]
    # Every file a template names with a literal {% static %} is in the manifest (else a 500).
    named = set()
    for template in [*ROOT.glob("templates/**/*.html"), *ROOT.glob("*/templates/**/*.html")]:
        named |= set(re.findall(r"""{%\s*static\s+["']([^"']+)["']""", template.read_text(encoding="utf-8")))
    assert named and not named - set(manifest)

    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "luoshi.cli", "serve", "--port", str(port), "--workers", "1"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                status, _, body = _get(f"http://127.0.0.1:{port}/login/")
                break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                assert server.poll() is None and time.monotonic() < deadline, "gunicorn did not start"
                time.sleep(0.2)
        assert status == 200
        status, headers, _ = _get(f"http://127.0.0.1:{port}/healthz")
        assert status in (200, 503) and headers["Server"].startswith("gunicorn")
        css = re.search(
            r'/static/(vendor/bootstrap-[\d.]+/bootstrap\.min\.[0-9a-f]{12}\.css)"', body.decode()
        )
        assert css, "the login page links the hashed stylesheet"
        status, headers, content = _get(f"http://127.0.0.1:{port}/static/{css.group(1)}")
        assert status == 200 and b".btn" in content
        assert "immutable" in headers["Cache-Control"]
    finally:
        started = time.monotonic()
        server.send_signal(signal.SIGTERM)
        try:
            output, _ = server.communicate(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            raise
    assert server.returncode == 0 and time.monotonic() - started < 15
    assert "Booting worker" in output and '"GET /login/ HTTP/1.1" 200' in output  # access log on stdout
