"""The ``luoshi`` command.

luoshi demo [--build-only] [--port N]
                             migrate, build the demo district, run web server + worker
                             (--build-only: build and stop; port also from LUOSHI_PORT)
luoshi serve [--port N]      run the web server
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
    _setup_env(LUOSHI_DEMO="1", LUOSHI_SECURE_COOKIES="0")
    port = args.port
    os.environ["LUOSHI_PORT"] = port  # build_demo_api prints the demo's own address
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", interactive=False, verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    call_command("build_demo")
    call_command("build_demo_cases")
    call_command("build_demo_intel")
    call_command("build_demo_api")
    call_command("build_demo_party")
    call_command("build_demo_villages")
    call_command("build_demo_workplan")
    if args.build_only:
        print("\n演示数据已生成。启动:luoshi demo(或 make demo)", flush=True)
        return 0
    print(f"\n落实 演示环境: http://127.0.0.1:{port}/   (Ctrl-C 停止网站和后台任务)\n", flush=True)
    return _run_together({"web": ["serve", "--port", port], "worker": ["worker"]})


def serve(argv: list[str]) -> int:
    _setup_env()
    port = os.environ.get("LUOSHI_PORT", "8000")
    if "--port" in argv:
        port = argv[argv.index("--port") + 1]
    _manage(["runserver", f"127.0.0.1:{port}", "--noreload", "--skip-checks"])
    return 0


def worker(argv: list[str]) -> int:
    _setup_env()
    _manage(["run_worker", *argv])
    return 0


def main(argv: list[str] | None = None) -> int:
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
