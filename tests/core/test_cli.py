import pytest

from luoshi import cli

pytestmark = pytest.mark.django_db


def test_help(capsys):
    assert cli.main(["--help"]) == 0
    assert "luoshi demo" in capsys.readouterr().out


def test_management_command_shorthand(capsys):
    assert cli.main(["audit", "verify"]) == 0
    assert "审计日志校验通过" in capsys.readouterr().out


def test_manage_passthrough(capsys):
    assert cli.main(["manage", "check"]) == 0
    assert "no issues" in capsys.readouterr().out


def test_demo_help_and_bad_options_do_not_build_or_serve(capsys, monkeypatch):
    """``luoshi demo --help`` once built the demo and started a server: options are parsed first."""
    built = []
    monkeypatch.setattr("django.core.management.call_command", lambda *a, **k: built.append(a))
    monkeypatch.setattr(cli, "_run_together", lambda children: built.append(children) or 0)
    with pytest.raises(SystemExit) as exit_:
        cli.main(["demo", "--help"])
    assert exit_.value.code == 0 and "--build-only" in capsys.readouterr().out
    with pytest.raises(SystemExit) as exit_:
        cli.main(["demo", "--bogus"])
    assert exit_.value.code == 2 and "unrecognized arguments" in capsys.readouterr().err
    assert built == []


def test_demo_build_only_builds_and_does_not_serve(monkeypatch):
    monkeypatch.setenv("LUOSHI_PORT", "8000")  # demo() sets it for build_demo_api: restored after
    built = []
    monkeypatch.setattr("django.core.management.call_command", lambda *a, **k: built.append(a[0]))
    monkeypatch.setattr(cli, "_run_together", lambda children: pytest.fail("must not serve"))
    assert cli.main(["demo", "--build-only", "--port", "8123"]) == 0
    assert "build_demo" in built and "build_demo_workplan" in built
