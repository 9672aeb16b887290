"""The ``luoshi`` command.

luoshi demo [--build-only] [--port N]
                             migrate, build the demo district, run web server + worker
                             (--build-only: build and stop; port also from LUOSHI_PORT)
luoshi serve [--host H] [--port N] [--workers N] [--threads N]
                             run the web server (gunicorn; luoshi serve --help for all options)
luoshi worker                run the background worker (tasks + periodic jobs)
luoshi manage <command> …    any Django management command
luoshi <command> …           shorthand for a Luoshi management command
                             (workdays, audit, import_orgs, import_people, build_demo, …)
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _setup_env(**defaults: str) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "luoshi.settings")
    for key, value in defaults.items():
        os.environ.setdefault(key, value)


def _manage(argv: list[str]) -> None:
    import django
    from django.core.management import execute_from_command_line

    django.setup()
    execute_from_command_line(["luoshi", *argv])


def _child(argv: list[str]) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "luoshi.cli", *argv], env=os.environ.copy())


def _run_together(children: dict[str, list[str]]) -> int:
    """Start several ``luoshi`` processes; stop all of them on Ctrl-C or when one exits."""
    procs = {name: _child(argv) for name, argv in children.items()}
    stopping = False

    def stop(*_):
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    code = 0
    try:
        while not stopping:
            for name, proc in procs.items():
                if proc.poll() is not None:
                    print(f"[luoshi] {name} 已退出 (exit {proc.returncode}),正在停止其余进程", flush=True)
                    code = proc.returncode or 1
                    stopping = True
            time.sleep(0.3)
    finally:
        for proc in procs.values():
            if proc.poll() is None:
                # SIGTERM, not SIGINT: a child started from a non-interactive shell may ignore SIGINT.
                proc.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 10
        for proc in procs.values():
            try:
                proc.wait(timeout=max(deadline - time.monotonic(), 0.1))
            except subprocess.TimeoutExpired:
                proc.kill()
    print("[luoshi] 已停止", flush=True)
    return code


def demo(argv: list[str]) -> int:
    import argparse

    parser = argparse.ArgumentParser(
        prog="luoshi demo", description="迁移数据库、生成演示区县,然后启动网站和后台任务(Ctrl-C 停止)"
    )
    parser.add_argument("--build-only", action="store_true", help="只生成演示数据,不启动网站和后台任务")
    parser.add_argument("--port", default=os.environ.get("LUOSHI_PORT", "8000"), help="网站端口(默认 8000)")
    args = parser.parse_args(argv)
    port = args.port
    os.environ["LUOSHI_PORT"] = port  # build_demo_api prints the demo's own address
    prepare_demo()
    from django.core.management import call_command

    from demo.build import build_all

    call_command("collectstatic", interactive=False, verbosity=0)
    build_all(stdout=sys.stdout)
    if args.build_only:
        print("\n演示数据已生成。启动:luoshi demo(或 make demo)", flush=True)
        return 0
    print(f"\n落实 演示环境: http://127.0.0.1:{port}/   (Ctrl-C 停止网站和后台任务)\n", flush=True)
    return _run_together({"web": ["serve", "--port", port], "worker": ["worker"]})


def prepare_demo() -> None:
    """What ``luoshi demo`` does before building data: the local secret key, Django, migrations.

    The secret key is generated once under ``VAR_DIR`` (``luoshi/localkeys.py``) unless a key is
    configured, so every later ``luoshi …`` in a new shell (and ``luoshi serve``) finds the same key
    and reads the demo's encrypted phone numbers. Then migrate, and keep a database that an older
    demo encrypted with the old development key readable (``var/field_key``).
    """
    from luoshi import localkeys

    _setup_env(LUOSHI_DEMO="1")
    if not localkeys.key_configured():
        localkeys.ensure_secret()
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", interactive=False, verbosity=0)
    _keep_legacy_field_key()


def _keep_legacy_field_key() -> None:
    from django.conf import settings

    from core import privacy
    from luoshi import localkeys
    from orgs.models import Person

    if not settings.LOCAL_SECRET_KEY or settings.FIELD_ENCRYPTION_KEY == localkeys.LEGACY_DEMO_KEY:
        return
    sample = Person.objects.exclude(phone_encrypted="").values_list("phone_encrypted", flat=True).first()
    if not sample or privacy.decrypt(sample):
        return
    settings.FIELD_ENCRYPTION_KEY = localkeys.LEGACY_DEMO_KEY
    if not privacy.decrypt(sample):  # neither key: leave it alone
        settings.FIELD_ENCRYPTION_KEY = localkeys.read(localkeys.var_dir() / localkeys.SECRET_FILE)
        return
    localkeys.write_private(localkeys.var_dir() / localkeys.FIELD_FILE, localkeys.LEGACY_DEMO_KEY)
    print(
        "[luoshi] 已有的演示数据库用旧的公开开发密钥加密了身份证号和电话,继续使用该密钥(var/field_key);"
        "删除 var/ 后重新运行 luoshi demo 可改用随机密钥",
        flush=True,
    )


def _env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


def serve_parser():
    import argparse

    parser = argparse.ArgumentParser(
        prog="luoshi serve",
        description="用 gunicorn 运行网站(gthread 工作进程;静态文件由 whitenoise 提供,需先 collectstatic)",
    )
    add = parser.add_argument
    add("--host", default=os.environ.get("LUOSHI_HOST", "127.0.0.1"), help="监听地址(默认 127.0.0.1)")
    add("--port", type=int, default=_env_int("LUOSHI_PORT", 8000), help="端口(默认 8000)")
    add("--workers", type=int, default=_env_int("LUOSHI_WEB_WORKERS", 2), help="工作进程数(默认 2)")
    add("--threads", type=int, default=_env_int("LUOSHI_WEB_THREADS", 4), help="每个进程的线程数(默认 4)")
    add("--backlog", type=int, default=_env_int("LUOSHI_WEB_BACKLOG", 2048), help="连接队列长度(默认 2048)")
    add("--timeout", type=int, default=_env_int("LUOSHI_WEB_TIMEOUT", 60), help="单个请求超时秒数(默认 60)")
    add(
        "--max-requests",
        type=int,
        default=_env_int("LUOSHI_WEB_MAX_REQUESTS", 5000),
        help="处理这么多请求后重启工作进程(默认 5000,0 为不重启)",
    )
    return parser


def gunicorn_argv(args) -> list[str]:
    """The gunicorn command line for parsed ``luoshi serve`` options."""
    host = f"[{args.host}]" if ":" in args.host and not args.host.startswith("[") else args.host
    argv = [
        sys.executable,
        "-m",
        "gunicorn",
        "luoshi.wsgi:application",
        "--bind",
        f"{host}:{args.port}",
        # gthread: a thread pool per process for a sync Django app whose views block on the database.
        "--worker-class",
        "gthread",
        "--workers",
        str(args.workers),
        "--threads",
        str(args.threads),
        "--backlog",
        str(args.backlog),
        "--timeout",
        str(args.timeout),
        "--graceful-timeout",
        "10",  # SIGTERM: finish running requests for at most 10 s (luoshi demo waits 10 s too)
        "--keep-alive",
        "5",
        "--max-requests",
        str(args.max_requests),
        "--max-requests-jitter",
        str(args.max_requests // 10),
        "--access-logfile",
        "-",
        "--error-logfile",
        "-",
        # gunicorn 24+ opens a control socket at ~/.gunicorn/gunicorn.ctl by default: one per user,
        # so a second server on the machine would take it over. Not used here.
        "--no-control-socket",
        "--name",
        "luoshi",
    ]
    if os.path.isdir("/dev/shm"):
        argv += ["--worker-tmp-dir", "/dev/shm"]  # heartbeat file in memory, not on a slow disk
    return argv


def _static_ready() -> str | None:
    """An error message when the hashed static files are missing (collectstatic not run)."""
    from django.conf import settings

    if not settings.STATIC_MANIFEST or settings.DEBUG:
        return None
    if (Path(settings.STATIC_ROOT) / "staticfiles.json").exists():
        return None
    return f"静态文件尚未收集,请先运行 luoshi manage collectstatic --noinput(目录 {settings.STATIC_ROOT})"


def serve(argv: list[str]) -> int:
    args = serve_parser().parse_args(argv)
    _setup_env()
    # Fail here, once, with the settings' own message (e.g. no secret key) rather than in every
    # gunicorn worker that would boot and die in a loop.
    from django.conf import settings

    settings.SECRET_KEY  # noqa: B018 - loads the settings module
    problem = _static_ready()
    if problem:
        print(f"luoshi serve: {problem}", file=sys.stderr, flush=True)
        return 1
    command = gunicorn_argv(args)
    print(f"[luoshi] http://{args.host}:{args.port}/  gunicorn {args.workers}×{args.threads}", flush=True)
    # exec: gunicorn's master takes this process's pid, so SIGTERM from luoshi demo or systemd
    # reaches it directly and stops it gracefully.
    os.execv(command[0], command)
    return 0  # not reached


def worker(argv: list[str]) -> int:
    _setup_env()
    _manage(["run_worker", *argv])
    return 0


def main(argv: list[str] | None = None) -> int:
    from luoshi.localkeys import MissingSecretKey

    try:
        return _main(argv)
    except MissingSecretKey as error:
        print(f"luoshi: {error}", file=sys.stderr, flush=True)
        return 2


def _main(argv: list[str] | None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in ("-h", "--help", "help"):
        print(__doc__)
        return 0
    command, rest = argv[0], argv[1:]
    if command == "demo":
        return demo(rest)
    if command == "serve":
        return serve(rest)
    if command == "worker":
        return worker(rest)
    _setup_env()
    if command == "manage":
        _manage(rest)
    else:
        _manage([command, *rest])
    return 0


if __name__ == "__main__":
    sys.exit(main())
