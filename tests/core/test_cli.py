import functools
import secrets
import subprocess
import sys

import pytest

from luoshi import cli

from .clean_env import ROOT, clean_env, share_test_database

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


def test_demo_build_only_builds_and_does_not_serve(monkeypatch, tmp_path):
    monkeypatch.setenv("LUOSHI_VAR_DIR", str(tmp_path))  # the demo's local secret key goes there
    monkeypatch.setenv("LUOSHI_PORT", "8000")  # demo() sets it for build_demo_api: restored after
    built = []
    monkeypatch.setattr("django.core.management.call_command", lambda *a, **k: built.append(a[0]))
    monkeypatch.setattr(cli, "_run_together", lambda children: pytest.fail("must not serve"))
    assert cli.main(["demo", "--build-only", "--port", "8123"]) == 0
    assert "build_demo" in built and "build_demo_workplan" in built


def test_demo_keeps_a_local_secret_key(monkeypatch, tmp_path):
    """``luoshi demo`` generates the local secret once (mode 0600) and keeps it on later runs."""
    from luoshi import localkeys

    monkeypatch.setenv("LUOSHI_VAR_DIR", str(tmp_path))
    monkeypatch.delenv("LUOSHI_SECRET_KEY", raising=False)
    monkeypatch.delenv("LUOSHI_SECRET_KEY_FILE", raising=False)
    monkeypatch.setattr("django.core.management.call_command", lambda *a, **k: None)
    cli.prepare_demo()
    key_file = tmp_path / "secret_key"
    first = key_file.read_text()
    assert len(first.strip()) >= 60 and key_file.stat().st_mode & 0o777 == 0o600
    cli.prepare_demo()
    assert key_file.read_text() == first
    assert localkeys.read(key_file) == first.strip()


def test_demo_keeps_an_old_demo_database_readable(monkeypatch, tmp_path, settings):
    """A demo database built with the old development key keeps that key as its field key."""
    from core import privacy
    from luoshi import localkeys

    from ..factories import PersonFactory, make_org

    monkeypatch.setenv("LUOSHI_VAR_DIR", str(tmp_path))
    settings.FIELD_ENCRYPTION_KEY = localkeys.LEGACY_DEMO_KEY
    person = PersonFactory(name="旧演示", org=make_org(None, "district", "岳麓区"))
    settings.LOCAL_SECRET_KEY = True
    settings.FIELD_ENCRYPTION_KEY = settings.SECRET_KEY = "a-new-random-local-key"
    assert privacy.decrypt(person.phone_encrypted) == ""
    cli._keep_legacy_field_key()
    assert (tmp_path / "field_key").read_text().strip() == localkeys.LEGACY_DEMO_KEY
    assert (tmp_path / "field_key").stat().st_mode & 0o777 == 0o600
    assert privacy.decrypt(person.phone_encrypted) == "13812345678"


def _luoshi(args, env, **kwargs) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "luoshi.cli", *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        **kwargs,
    )


@pytest.mark.django_db(transaction=True)
def test_readme_cli_lines_work_in_a_clean_environment_after_the_demo(tmp_path, settings):
    """After ``make demo``, the README's CLI lines work in a new shell: no LUOSHI_SECRET_KEY needed.

    The state is what ``luoshi demo`` leaves: its local secret key under VAR_DIR and a migrated
    database (copied from the suite's migrated test database instead of migrating again, ~30 s),
    with a district and a person whose phone number was encrypted with the demo's key.
    """
    from luoshi import localkeys

    from ..factories import PersonFactory, make_org

    secret = localkeys.read(localkeys.ensure_secret(tmp_path))
    settings.FIELD_ENCRYPTION_KEY = secret
    district = make_org(None, "district", "岳麓区", code="430104")
    PersonFactory(name="演示居民", org=district)
    env = clean_env(tmp_path, **share_test_database(tmp_path))
    speech = ROOT / "demo" / "data" / "seed_speech.txt"
    read_phone = "from orgs.models import Person; print(Person.objects.get(name='演示居民').phone_clear())"
    runs = {
        "workdays": _luoshi(["workdays", "add", "2026-09-30", "3"], env),
        "audit": _luoshi(["audit", "verify"], env),
        "party": _luoshi(["party", "findings", "岳麓区"], env),
        "workplan": _luoshi(["workplan", "draft", str(speech), "--year", "2026"], env),
        "phone": _luoshi(["manage", "shell", "-c", read_phone], env),
        # production: no key and no demo key file → the clear refusal, not a traceback
        "refused": _luoshi(["audit", "verify"], clean_env(tmp_path / "elsewhere")),
    }
    out = {}
    for name, proc in runs.items():
        stdout, stderr = proc.communicate(timeout=60)
        out[name] = (proc.returncode, stdout, stderr)
    for name in ("workdays", "audit", "party", "workplan", "phone"):
        assert out[name][0] == 0, (name, out[name][2][-2000:])
    assert out["workdays"][1].strip() == "2026-10-10"
    assert "审计日志校验通过" in out["audit"][1]
    assert out["workplan"][1].startswith("# ")
    assert out["phone"][1].split()[-1] == "13812345678"  # the field key is the demo's key in every process
    code, _, stderr = out["refused"]
    assert code == 2 and "LUOSHI_SECRET_KEY must be set" in stderr and "Traceback" not in stderr


def test_demo_key_file_is_never_used_with_a_configured_key_or_behind_https(tmp_path):
    """Settings alone (no Django set-up): a configured key wins; behind HTTPS the file is ignored."""
    from luoshi import localkeys

    localkeys.ensure_secret(tmp_path)
    probe = (
        "from django.conf import settings as s; print(s.SECRET_KEY, s.LOCAL_SECRET_KEY, s.CSRF_COOKIE_SECURE)"
    )
    env = clean_env(tmp_path, DJANGO_SETTINGS_MODULE="luoshi.settings")
    configured = {**env, "LUOSHI_SECRET_KEY": "real-key", "LUOSHI_DEBUG": "0"}
    run = functools.partial(subprocess.run, cwd=ROOT, capture_output=True, text=True, timeout=30)
    result = run([sys.executable, "-c", probe], env=configured)
    assert result.stdout.split() == ["real-key", "False", "True"], result.stderr
    result = run([sys.executable, "-c", probe], env=env)  # the demo: its key, cookies over http
    assert result.stdout.split() == [localkeys.read(tmp_path / "secret_key"), "True", "False"], result.stderr
    result = run([sys.executable, "-c", probe], env={**env, "LUOSHI_HTTPS": "1"})
    assert result.returncode == 1 and "MissingSecretKey" in result.stderr


def test_check_deploy_is_clean_with_production_settings(tmp_path):
    """``manage.py check --deploy`` with the documented production settings: no warning."""
    env = clean_env(
        tmp_path,
        LUOSHI_SECRET_KEY="k" + secrets.token_urlsafe(60),
        LUOSHI_AUDIT_KEY=secrets.token_urlsafe(48),
        LUOSHI_HTTPS="1",
        LUOSHI_ALLOWED_HOSTS="luoshi.example.gov.cn",
        LUOSHI_CSRF_TRUSTED_ORIGINS="https://luoshi.example.gov.cn",
    )
    command = [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"]
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
