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
