#!/usr/bin/env python3
"""Cluster test: nginx in front of two web nodes and two RQ workers on PostgreSQL + Redis, all on
loopback, started from the shipped commands (``luoshi serve``, ``luoshi worker``) and asserted.

    make cluster                       # = .venv/bin/python scripts/cluster.py
    scripts/cluster.py --keep          # leave it running after the checks (Ctrl-C stops it)

Starts a fresh database (migrate + ``luoshi build_demo``, the one step run with the dev-only demo
app: ``LUOSHI_DEMO_APP=1``), three Redis databases (RQ queue, shared cache, the test's delivery
record), nginx (own config, pid and logs in a temp dir, unprivileged
ports; ``nginx-light`` is installed with apt-get when nginx is missing), two ``luoshi serve`` nodes
(2 workers each, shared ``LUOSHI_MEDIA_ROOT``, ``LUOSHI_CACHE_URL``,
``LUOSHI_MEDIA_ACCEL_PREFIX=/protected-media/``) and two ``luoshi worker`` processes. nginx listens
on three ports: the load balancer (both nodes) and one per node (so a check can pick the node and
still go through nginx). Checks: /healthz; cases created through both nodes get unique numbers; a
session logged in on one node works on the other; a photo uploaded through node 1 is served
through node 2 via nginx (X-Accel-Redirect); each periodic job runs once per period with two
workers; a worker killed with SIGKILL mid-job loses and duplicates no notification; /report/'s limit
holds across both nodes (alternating, and in parallel). Every wait has a timeout; everything it
started is stopped and removed at the end (databases, Redis DBs it flushed, temp dir). Exit 1 on a
failed check with the reason.

Environment: CLUSTER_PG (postgres://postgres@127.0.0.1:5432), CLUSTER_DB (luoshi_cluster_<pid>),
CLUSTER_REDIS (redis://127.0.0.1:6379), CLUSTER_REDIS_DBS (13,14,15: flushed at start and end),
CLUSTER_PORTS (18080-18099: the ports it may use).
"""

from __future__ import annotations

import argparse
import base64
import concurrent.futures
import contextlib
import hashlib
import html
import io
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = os.environ.get("PYTHON") or str(ROOT / ".venv" / "bin" / "python")
START = time.monotonic()


def say(message: str) -> None:
    print(f"[cluster {time.monotonic() - START:6.1f}s] {message}", flush=True)


class CheckFailed(Exception):
    pass


def check(condition, message: str) -> None:
    if not condition:
        raise CheckFailed(message)


def wait_for(what: str, predicate, timeout: float, every: float = 0.5):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            last = predicate()
        except Exception as error:  # not up yet
            last = error
            if isinstance(error, CheckFailed):
                raise
        else:
            if last:
                return last
        time.sleep(every)
    raise CheckFailed(f"timed out after {timeout:.0f}s waiting for {what} (last: {last!r})")


# --- HTTP (stdlib only; cookies handled by hand so that a check decides where they go) ----------


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


_OPENER = urllib.request.build_opener(_NoRedirect)


class Response:
    def __init__(self, status: int, headers, body: bytes):
        self.status, self.headers, self.body = status, headers, body

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")

    def json(self):
        return json.loads(self.body)


def http(method: str, url: str, *, body: bytes | None = None, headers: dict | None = None, timeout=30):
    request = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with _OPENER.open(request, timeout=timeout) as answer:
            return Response(answer.status, answer.headers, answer.read())
    except urllib.error.HTTPError as error:
        return Response(error.code, error.headers, error.read())


class Browser:
    """A cookie jar of our own: cookies are sent to whatever node the next request goes to."""

    def __init__(self, headers: dict | None = None):
        self.cookies: dict[str, str] = {}
        self.headers = headers or {}

    def request(self, method: str, url: str, *, body=None, headers=None, timeout=30) -> Response:
        merged = {**self.headers, **(headers or {})}
        if self.cookies:
            merged["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        answer = http(method, url, body=body, headers=merged, timeout=timeout)
        for line in answer.headers.get_all("Set-Cookie") or []:
            name, _, rest = line.partition("=")
            self.cookies[name.strip()] = rest.split(";", 1)[0]
        return answer

    def get(self, url: str, **kwargs) -> Response:
        return self.request("GET", url, **kwargs)

    def csrf_from(self, page: Response) -> str:
        found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
        check(found, f"no CSRF token in the form (status {page.status})")
        return html.unescape(found.group(1))

    def post_form(self, url: str, fields: dict, *, referer: str, files=None) -> Response:
        boundary = uuid.uuid4().hex
        parts = []
        for name, value in fields.items():
            parts.append(
                f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
            )
        for name, (filename, content, ctype) in (files or {}).items():
            parts.append(
                f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
                f"Content-Type: {ctype}\r\n\r\n".encode()
                + content
                + b"\r\n"
            )
        parts.append(f"--{boundary}--\r\n".encode())
        return self.request(
            "POST",
            url,
            body=b"".join(parts),
            headers={"Content-Type": f"multipart/form-data; boundary={boundary}", "Referer": referer},
        )

    def login(self, base: str, username: str, password: str) -> None:
        page = self.get(f"{base}/login/")
        check(page.status == 200, f"login page: HTTP {page.status}")
        answer = self.post_form(
            f"{base}/login/",
            {"csrfmiddlewaretoken": self.csrf_from(page), "username": username, "password": password},
            referer=f"{base}/login/",
        )
        check(answer.status == 302, f"login of {username} on {base}: HTTP {answer.status}")
        check("sessionid" in self.cookies, "login set no session cookie")


def jpeg(seed: int) -> bytes:
    """A small JPEG made with Pillow (a dependency of the project)."""
    from PIL import Image

    image = Image.new("RGB", (320, 240), ((37 * seed) % 256, 90, 160))
    for x in range(0, 320, 4):
        image.putpixel((x, (x * 7 + seed) % 240), (250, 250, 0))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=88)
    return buffer.getvalue()


# --- the cluster -------------------------------------------------------------------------------


def free_ports(count: int) -> list[int]:
    low, _, high = os.environ.get("CLUSTER_PORTS", "18080-18099").partition("-")
    ports = []
    for port in range(int(low), int(high or low) + 1):
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
        ports.append(port)
        if len(ports) == count:
            return ports
    raise SystemExit(f"cluster: not enough free ports in CLUSTER_PORTS={low}-{high}")


def ensure_nginx() -> str:
    found = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
    if found:
        return found
    say("nginx missing: apt-get install -y nginx-light")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    command = ["apt-get", "install", "-y", "-q", "nginx-light"]
    if subprocess.run(command, env=env, capture_output=True).returncode != 0:
        subprocess.run(["apt-get", "update", "-q"], env=env, capture_output=True, check=True)
        subprocess.run(command, env=env, capture_output=True, check=True)
    # The package starts the system nginx where it can; ours never touches it.
    return shutil.which("nginx") or "/usr/sbin/nginx"


NGINX_CONF = """
daemon off;
worker_processes 2;
pid {tmp}/nginx.pid;
error_log {tmp}/logs/nginx-error.log warn;
events {{ worker_connections 1024; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log {tmp}/logs/nginx-access.log;
    client_body_temp_path {tmp}/nginx-body;
    proxy_temp_path {tmp}/nginx-proxy;
    fastcgi_temp_path {tmp}/nginx-fastcgi;
    uwsgi_temp_path {tmp}/nginx-uwsgi;
    scgi_temp_path {tmp}/nginx-scgi;
    sendfile on;
    client_max_body_size 32m;
    gzip on;
    gzip_types text/css application/javascript application/json image/svg+xml;
{upstreams}
{servers}
}}
"""

NGINX_SERVER = """
    server {{
        listen 127.0.0.1:{port};
        server_name localhost;
        location /static/ {{
            alias {static}/;
            gzip_static on;
            add_header Cache-Control "public, max-age=31536000, immutable" always;
        }}
        location /protected-media/ {{
            internal;
            alias {media}/;
        }}
        location / {{
            proxy_pass http://{upstream};
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $host;
            proxy_set_header X-Forwarded-For $remote_addr;
            proxy_set_header X-Forwarded-Proto $scheme;
            proxy_connect_timeout 5s;
            proxy_read_timeout 60s;
        }}
    }}
"""


class Cluster:
    def __init__(self, *, web_nodes: int = 2, workers: int = 2, tick: float = 1.0, web_workers: int = 2):
        self.web_count, self.worker_count, self.tick, self.web_workers = web_nodes, workers, tick, web_workers
        self.tmp = Path(tempfile.mkdtemp(prefix="luoshi-cluster-"))
        self.pg = os.environ.get("CLUSTER_PG", "postgres://postgres@127.0.0.1:5432")
        self.db = os.environ.get("CLUSTER_DB", f"luoshi_cluster_{os.getpid()}")
        redis_base = os.environ.get("CLUSTER_REDIS", "redis://127.0.0.1:6379")
        self.redis_dbs = [int(n) for n in os.environ.get("CLUSTER_REDIS_DBS", "13,14,15").split(",")]
        check(len(self.redis_dbs) == 3, "CLUSTER_REDIS_DBS needs three database numbers")
        self.redis_urls = [f"{redis_base}/{n}" for n in self.redis_dbs]
        ports = free_ports(1 + web_nodes + web_nodes)
        self.lb_port, self.node_ports = ports[0], ports[1 : 1 + web_nodes]
        self.nginx_node_ports = ports[1 + web_nodes :]
        self.procs: dict[str, subprocess.Popen] = {}
        self.db_created = False
        self.media = self.tmp / "media"
        self.var = self.tmp / "var"
        (self.tmp / "logs").mkdir()
        self.media.mkdir()
        self.var.mkdir()
        # nginx's workers run as an unprivileged user: they must read static and media files (as
        # www-data in the luoshi group does in production), but not the keys.
        self.tmp.chmod(0o755)
        keys = self.tmp / "keys"
        keys.mkdir(mode=0o700)
        (keys / "secret_key").write_text(secrets.token_urlsafe(50))
        (keys / "field_key").write_text(secrets.token_urlsafe(50))
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("LUOSHI_", "DJANGO_"))},
            "PYTHONPATH": os.pathsep.join([str(ROOT / "scripts"), str(ROOT)]),
            "DJANGO_SETTINGS_MODULE": "cluster_settings",
            "LUOSHI_DATABASE_URL": f"{self.pg}/{self.db}",
            "LUOSHI_SECRET_KEY_FILE": str(keys / "secret_key"),
            "LUOSHI_FIELD_KEY_FILE": str(keys / "field_key"),
            "LUOSHI_TASKS_BACKEND": "rq",
            "LUOSHI_REDIS_URL": self.redis_urls[0],
            "LUOSHI_CACHE_URL": self.redis_urls[1],
            "LUOSHI_SESSION_CACHE": "1",
            "LUOSHI_MEDIA_ROOT": str(self.media),
            "LUOSHI_MEDIA_ACCEL_PREFIX": "/protected-media/",
            "LUOSHI_VAR_DIR": str(self.var),
            "LUOSHI_ALLOWED_HOSTS": "127.0.0.1,localhost",
            "LUOSHI_TRUSTED_PROXIES": "1",
            "LUOSHI_SECURE_COOKIES": "0",  # plain HTTP on loopback
            "LUOSHI_HTTPS": "0",
            "LUOSHI_DEBUG": "0",
            "LUOSHI_WORKER_HEARTBEAT_SECONDS": "1",
            "LUOSHI_WORKER_STALE_SECONDS": "10",
            "LUOSHI_LOG_LEVEL": "INFO",
            "CLUSTER_RECORD_URL": self.redis_urls[2],
            "CLUSTER_JOB_TIMEOUT": "20",
            "CLUSTER_SEND_SECONDS": "0.3",
        }

    # --- helpers
    def url(self, node: int | None = None) -> str:
        """nginx: the load balancer (None) or the nginx port in front of node ``node`` only."""
        port = self.lb_port if node is None else self.nginx_node_ports[node]
        return f"http://127.0.0.1:{port}"

    def direct(self, node: int) -> str:
        return f"http://127.0.0.1:{self.node_ports[node]}"

    def luoshi(self, *args: str, timeout: float = 300, env: dict | None = None) -> str:
        done = subprocess.run(
            [PY, "-m", "luoshi.cli", *args],
            cwd=ROOT,
            env={**self.env, **(env or {})},
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if done.returncode != 0:
            raise CheckFailed(f"luoshi {' '.join(args)} failed:\n{done.stdout[-2000:]}{done.stderr[-3000:]}")
        return done.stdout

    def django(self, code: str, timeout: float = 120) -> str:
        """Run Python with Django set up in the cluster's environment; returns its stdout."""
        return self.luoshi("manage", "shell", "-c", code, timeout=timeout)

    def sql(self, query: str) -> list[list[str]]:
        done = subprocess.run(
            ["psql", f"{self.pg}/{self.db}", "-qAtX", "-F", "\t", "-c", query],
            capture_output=True,
            text=True,
            timeout=60,
        )
        check(done.returncode == 0, f"psql: {done.stderr}")
        return [line.split("\t") for line in done.stdout.splitlines() if line]

    def redis(self, index: int):
        import redis

        return redis.Redis.from_url(self.redis_urls[index])

    def spawn(self, name: str, argv: list[str]) -> subprocess.Popen:
        log = open(self.tmp / "logs" / f"{name}.log", "ab")  # noqa: SIM115 - closed with the process
        proc = subprocess.Popen(
            argv, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        log.close()
        self.procs[name] = proc
        return proc

    def log(self, name: str) -> str:
        path = self.tmp / "logs" / f"{name}.log"
        return path.read_text("utf-8", "replace") if path.exists() else ""

    def start_worker(self, name: str) -> subprocess.Popen:
        return self.spawn(name, [PY, "-m", "luoshi.cli", "worker", "--tick", str(self.tick)])

    def stop(self, name: str, sig=signal.SIGTERM, timeout: float = 15) -> None:
        proc = self.procs.pop(name, None)
        if proc is None or proc.poll() is not None:
            return
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=5)

    # --- lifecycle
    def start(self) -> Cluster:
        nginx = ensure_nginx()
        for r in range(3):
            self.redis(r).flushdb()
        say(f"database {self.db}; Redis DBs {self.redis_dbs}; temp {self.tmp}")
        subprocess.run(
            ["psql", f"{self.pg}/postgres", "-qAtX", "-c", f'CREATE DATABASE "{self.db}"'],
            check=True,
            capture_output=True,
            timeout=60,
        )
        self.db_created = True
        say("migrate, build_demo, collectstatic")
        self.luoshi("manage", "migrate", "--noinput", "--verbosity", "0", timeout=600)
        self.luoshi("build_demo", timeout=300, env={"LUOSHI_DEMO_APP": "1"})  # only this step: dev-only app
        self.luoshi("manage", "collectstatic", "--noinput", "--verbosity", "0", timeout=300)
        token = self.luoshi("api_token", "create", "jiedao", "cluster").strip().splitlines()[-1].strip()
        check(token.startswith("ls_"), f"unexpected api_token output: {token!r}")
        self.token = token

        for i, port in enumerate(self.node_ports):
            self.spawn(
                f"web{i + 1}",
                [
                    PY,
                    "-m",
                    "luoshi.cli",
                    "serve",
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(port),
                    "--workers",
                    str(self.web_workers),
                ],
            )
        for i in range(self.worker_count):
            self.start_worker(f"worker{i + 1}")
        self.write_nginx()
        self.spawn("nginx", [nginx, "-c", str(self.tmp / "nginx.conf"), "-p", str(self.tmp)])
        for i in range(self.web_count):
            wait_for(
                f"web node {i + 1}", lambda i=i: http("GET", f"{self.direct(i)}/login/").status == 200, 60
            )
        wait_for("nginx", lambda: http("GET", f"{self.url()}/login/").status == 200, 20)
        for name, proc in self.procs.items():
            check(proc.poll() is None, f"{name} exited at start:\n{self.log(name)[-3000:]}")
        say(
            f"up: nginx :{self.lb_port} (node-only :{', :'.join(map(str, self.nginx_node_ports))}), "
            f"web :{', :'.join(map(str, self.node_ports))}, {self.worker_count} workers"
        )
        return self

    def write_nginx(self, nodes: list[int] | None = None) -> None:
        nodes = list(range(self.web_count)) if nodes is None else nodes
        upstreams = ["    upstream luoshi_all {", "        least_conn;"]
        upstreams += [f"        server 127.0.0.1:{self.node_ports[i]};" for i in nodes]
        upstreams += ["        keepalive 32;", "    }"]
        for i, port in enumerate(self.node_ports):
            upstreams += [f"    upstream luoshi_node{i + 1} {{ server 127.0.0.1:{port}; keepalive 8; }}"]
        servers = [
            NGINX_SERVER.format(
                port=self.lb_port, upstream="luoshi_all", static=self.var / "static", media=self.media
            )
        ]
        for i, port in enumerate(self.nginx_node_ports):
            servers.append(
                NGINX_SERVER.format(
                    port=port, upstream=f"luoshi_node{i + 1}", static=self.var / "static", media=self.media
                )
            )
        for sub in ("nginx-body", "nginx-proxy", "nginx-fastcgi", "nginx-uwsgi", "nginx-scgi"):
            (self.tmp / sub).mkdir(exist_ok=True)
        (self.tmp / "nginx.conf").write_text(
            NGINX_CONF.format(tmp=self.tmp, upstreams="\n".join(upstreams), servers="".join(servers))
        )

    def close(self, keep_logs: bool = False) -> None:
        for name in list(self.procs):
            self.stop(name, timeout=10)
        if self.db_created:
            subprocess.run(
                [
                    "psql",
                    f"{self.pg}/postgres",
                    "-qAtX",
                    "-c",
                    f'DROP DATABASE IF EXISTS "{self.db}" WITH (FORCE)',
                ],
                capture_output=True,
                timeout=120,
            )
        for r in range(3):
            with contextlib.suppress(Exception):
                self.redis(r).flushdb()
        if keep_logs:
            say(f"logs kept in {self.tmp}/logs")
            for path in self.tmp.iterdir():
                if path.name != "logs":
                    shutil.rmtree(path, ignore_errors=True) if path.is_dir() else path.unlink()
        else:
            shutil.rmtree(self.tmp, ignore_errors=True)

    def __enter__(self):
        return self.start()

    def __exit__(self, kind, value, tb):
        self.close(keep_logs=kind is not None and kind is not KeyboardInterrupt)


# --- the checks --------------------------------------------------------------------------------


def api(cluster: Cluster, method: str, path: str, payload=None, *, node=None) -> Response:
    headers = {"Authorization": f"Bearer {cluster.token}", "Content-Type": "application/json"}
    if method == "POST":
        headers["Idempotency-Key"] = str(uuid.uuid4())
    body = json.dumps(payload).encode() if payload is not None else None
    return http(method, f"{cluster.url(node)}{path}", body=body, headers=headers)


def community_id(cluster: Cluster) -> int:
    answer = api(cluster, "GET", "/api/v1/orgs?kind=community")
    check(answer.status == 200, f"GET /api/v1/orgs: HTTP {answer.status} {answer.text[:300]}")
    data = answer.json()
    items = data["items"] if isinstance(data, dict) else data
    check(items, "the API token's user sees no community")
    return items[0]["id"]


def check_health(cluster: Cluster) -> None:
    answer = http("GET", f"{cluster.url()}/healthz")
    check(answer.status == 200, f"/healthz through nginx: HTTP {answer.status} {answer.text[:500]}")
    body = answer.json()
    check(body["checks"]["database"]["ok"], f"/healthz database: {body}")
    check(
        body["checks"]["cache"]["ok"] and "Redis" in body["checks"]["cache"].get("backend", ""),
        f"cache: {body}",
    )
    say(f"ok  /healthz: {body['status']} (warnings: {', '.join(body.get('warnings', [])) or 'none'})")


def check_unique_numbers(cluster: Cluster, area: int, count: int = 24) -> None:
    def create(i: int):
        payload = {"channel": "hotline", "description": f"集群测试事项 {i}:路面破损", "area": area}
        return api(cluster, "POST", "/api/v1/cases", payload, node=i % cluster.web_count)

    with concurrent.futures.ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(create, range(count)))
    bad = [a for a in answers if a.status != 201]
    check(
        not bad,
        f"{len(bad)} of {count} creations failed: "
        + (f"HTTP {bad[0].status} {bad[0].text[:300]}" if bad else ""),
    )
    numbers = [a.json()["number"] for a in answers]
    check(len(set(numbers)) == count, f"duplicate case numbers: {sorted(numbers)}")
    say(
        f"ok  {count} cases created in parallel through both nodes: {count} unique numbers "
        f"({min(numbers)} … {max(numbers)})"
    )


def check_session(cluster: Cluster) -> Browser:
    browser = Browser()
    browser.login(cluster.direct(0), "dudao", os.environ.get("LUOSHI_DEMO_PASSWORD", "demo12345"))
    page = browser.get(f"{cluster.direct(1)}/cases/")
    check(
        page.status == 200,
        f"session from node 1 on node 2: HTTP {page.status} (→ {page.headers.get('Location')})",
    )
    check("dudao" in page.text or "督查" in page.text, "node 2 does not show the logged-in user's page")
    anonymous = http("GET", f"{cluster.direct(1)}/cases/")
    check(anonymous.status == 302, f"node 2 without a session: HTTP {anonymous.status}")
    say("ok  a session logged in on node 1 works on node 2 (and without it node 2 redirects to login)")
    return browser


def check_photo(cluster: Cluster, browser: Browser, area: int) -> None:
    photo = jpeg(7)
    payload = {
        "channel": "hotline",
        "description": "集群测试:带照片的事项",
        "area": area,
        "photos": [{"filename": "scene.jpg", "content_base64": base64.b64encode(photo).decode()}],
    }
    answer = api(cluster, "POST", "/api/v1/cases", payload, node=0)
    check(answer.status == 201, f"photo upload through node 1: HTTP {answer.status} {answer.text[:300]}")
    number = answer.json()["number"]
    rows = cluster.sql(
        "SELECT a.file FROM cases_caseattachment a JOIN cases_case c ON c.id = a.case_id "
        f"WHERE c.number = '{number}'"
    )
    check(len(rows) == 1, f"case {number} has {len(rows)} attachments")
    name = rows[0][0]
    stored = (cluster.media / name).read_bytes()
    url = f"{cluster.url(1)}/media/{urllib.parse.quote(name)}"
    served = browser.get(url)
    check(served.status == 200, f"photo through nginx → node 2: HTTP {served.status} {served.text[:200]}")
    check(
        hashlib.sha256(served.body).hexdigest() == hashlib.sha256(stored).hexdigest(),
        "the photo served through node 2 differs from the stored file",
    )
    check(
        served.headers.get("Content-Type", "").startswith("image/"),
        f"Content-Type {served.headers.get('Content-Type')}",
    )
    raw = browser.get(f"{cluster.direct(1)}/media/{urllib.parse.quote(name)}")
    accel = raw.headers.get("X-Accel-Redirect", "")
    check(
        raw.status == 200 and accel.startswith("/protected-media/"),
        f"node 2 answered without X-Accel-Redirect ({raw.status})",
    )
    check(not raw.body, "node 2 sent the file itself instead of leaving it to nginx")
    nobody = http("GET", url)
    check(nobody.status in (302, 403, 404), f"the photo without a session: HTTP {nobody.status}")
    internal = http("GET", f"{cluster.url()}/protected-media/{name}")
    check(internal.status == 404, f"/protected-media/ reachable from outside: HTTP {internal.status}")
    say(
        f"ok  photo of {number} uploaded through node 1, served through nginx → node 2 "
        f"(X-Accel-Redirect {accel}), identical; 404 without a session and on /protected-media/"
    )


RQ_STATES = ("queued", "started", "finished", "failed", "scheduled", "deferred", "stopped", "canceled")


def rq_jobs(cluster: Cluster) -> list[dict]:
    r = cluster.redis(0)
    jobs = []
    for key in r.scan_iter("rq:job:*"):
        if key.count(b":") != 2:
            continue
        fields = r.hmget(key, "description", "status", "exc_info")
        jobs.append(
            {
                "id": key.decode().rsplit(":", 1)[1],
                "description": (fields[0] or b"").decode("utf-8", "replace"),
                "status": (fields[1] or b"").decode(),
            }
        )
    return jobs


def check_periodic(cluster: Cluster) -> None:
    names = json.loads(
        cluster.django(
            "import json; from core.periodic import schedules; "
            "print(json.dumps([s.name for s in schedules()]))"
        )
        .strip()
        .splitlines()[-1]
    )
    check(names, "no periodic jobs registered")

    def all_finished():
        jobs = rq_jobs(cluster)
        runs = {name: [j for j in jobs if j["description"].startswith(name + "(")] for name in names}
        failed = [j for js in runs.values() for j in js if j["status"] == "failed"]
        check(not failed, f"periodic job failed: {failed}")
        if all(js and all(j["status"] == "finished" for j in js) for js in runs.values()):
            return runs
        return None

    wait_for("every periodic job to run", all_finished, 180, every=1)
    # Several more ticks of both workers: nothing may run a second time within its period.
    time.sleep(max(5 * cluster.tick, 5))
    runs = all_finished()
    check(runs, "periodic jobs no longer all finished")
    twice = {name: len(js) for name, js in runs.items() if len(js) != 1}
    check(not twice, f"periodic jobs run more than once in one period: {twice}")
    rows = {row[0]: row for row in cluster.sql("SELECT name, last_task_id FROM core_periodicjob")}
    for name, js in runs.items():
        check(name in rows, f"no PeriodicJob row for {name}")
        check(
            rows[name][1] == js[0]["id"],
            f"{name}: PeriodicJob.last_task_id {rows[name][1]} is not the job that ran",
        )
    enqueued_by = {w: cluster.log(w).count("periodic job ") for w in ("worker1", "worker2")}
    say(
        f"ok  {len(names)} periodic jobs each ran exactly once with two workers "
        f"(enqueue log lines per worker: {enqueued_by})"
    )


def check_kill(cluster: Cluster, count: int = 24) -> None:
    record = cluster.redis(2)
    record.delete("cluster:sent")
    ids = json.loads(
        cluster.django(
            "import json\n"
            "from django.db import transaction\n"
            "from core.notify import notify\n"
            "from orgs.models import User\n"
            "user = User.objects.get(username='dudao')\n"
            "ids = []\n"
            f"for i in range({count}):\n"
            "    with transaction.atomic():\n"
            "        ids += [n.pk for n in notify([user], kind='cluster', title=f'集群测试通知 {i}')]\n"
            "print(json.dumps(ids))\n"
        )
        .strip()
        .splitlines()[-1]
    )
    check(len(ids) == count, f"made {len(ids)} notifications")
    # Kill worker 1 while it is in the middle of a delivery (its RQ state is "busy").
    r = cluster.redis(0)

    def worker1_sending():
        sent = record.hlen("cluster:sent")
        check(sent < count, "all notifications were delivered before a worker could be killed (raise count)")
        pid = cluster.procs["worker1"].pid
        notification = record.get(f"cluster:sending:{pid}")
        if notification is None:
            return None
        for key in r.smembers("rq:workers"):
            if r.hget(key, "pid") == str(pid).encode():
                return key.decode().removeprefix("rq:worker:"), int(notification)
        return None

    # Kill worker 1 in the middle of a delivery: the notification is claimed, the gateway call
    # has started and not returned (RecordingBackend marks it), the job is not finished.
    name, in_flight = wait_for("worker 1 to be in the middle of a delivery", worker1_sending, 30, every=0.02)
    cluster.stop("worker1", sig=signal.SIGKILL)
    killed_at = time.monotonic()
    before = record.hlen("cluster:sent")
    held = [
        j["id"]
        for j in rq_jobs(cluster)
        if j["status"] == "started" and r.hget(f"rq:job:{j['id']}", "worker_name") == name.encode()
    ]
    check(held, f"no job was in progress on worker 1 ({name}) when it was killed")
    job = held[0]
    say(
        f"    SIGKILL of worker 1 in job {job} while sending notification {in_flight} "
        f"({before} of {count} delivered); a replacement starts"
    )
    cluster.start_worker("worker1")

    def all_delivered():
        return record.hlen("cluster:sent") >= count and all(
            int(v) >= 1 for v in record.hgetall("cluster:sent").values()
        )

    try:
        wait_for("every notification to be delivered after the kill", all_delivered, 150, every=1)
    except CheckFailed:
        missing = sorted(set(ids) - {int(k) for k in record.hkeys("cluster:sent")})
        status = (r.hget(f"rq:job:{job}", "status") or b"?").decode()
        raise CheckFailed(
            f"notifications {missing} never delivered within 150 s of the kill (the killed job {job} is "
            f"{status}; notification {in_flight} was in the middle of its delivery)"
        ) from None
    time.sleep(3)  # a duplicate would show up now
    sent = {int(k): int(v) for k, v in record.hgetall("cluster:sent").items()}
    lost = sorted(set(ids) - set(sent))
    dup = {k: v for k, v in sent.items() if v != 1}
    check(not lost, f"notifications never delivered: {lost}")
    check(not dup, f"notifications delivered more than once: {dup}")
    status = (r.hget(f"rq:job:{job}", "status") or b"?").decode()
    check(status == "finished", f"the killed worker's job {job} is {status}, not finished")
    say(
        f"ok  SIGKILL of a worker mid-job: {count} notifications, each delivered exactly once; the killed "
        f"job finished {time.monotonic() - killed_at:.0f}s after the kill (all delivered incl. 3 s grace)"
    )


def check_report_limit(cluster: Cluster, area: int) -> None:
    limit = 5

    def attempt(browser: Browser, node: int, i: int) -> int:
        base = cluster.direct(node)
        form = browser.get(f"{base}/report/")
        check(form.status in (200, 429), f"/report/ form on node {node + 1}: HTTP {form.status}")
        answer = browser.post_form(
            f"{base}/report/",
            {
                "csrfmiddlewaretoken": browser.csrf_from(form),
                "description": f"集群限流测试 {i}",
                "area": str(area),
                "anonymous": "on",
            },
            referer=f"{base}/report/",
        )
        check(
            answer.status in (302, 429),
            f"/report/ POST on node {node + 1}: HTTP {answer.status} {answer.text[:300]}",
        )
        return answer.status

    for mode in ("alternating", "parallel"):
        for _ in range(3):  # a new hour window mid-check restarts the count: try again then
            hour = int(time.time()) // 3600
            client = (
                f"10.{secrets.randbelow(250) + 1}.{secrets.randbelow(250) + 1}.{secrets.randbelow(250) + 1}"
            )
            browser = Browser(headers={"X-Forwarded-For": client})
            if mode == "alternating":
                statuses = [attempt(browser, i % cluster.web_count, i) for i in range(limit + 4)]
            else:
                with concurrent.futures.ThreadPoolExecutor(max_workers=8) as pool:
                    statuses = list(
                        pool.map(
                            lambda i, client=client: attempt(
                                Browser(headers={"X-Forwarded-For": client}), i % cluster.web_count, i
                            ),
                            range(limit + 7),
                        )
                    )
            if int(time.time()) // 3600 == hour:
                break
        accepted = statuses.count(302)
        check(
            accepted == limit,
            f"/report/ {mode} across both nodes: {accepted} accepted, limit {limit} ({statuses})",
        )
        if mode == "alternating":
            check(statuses[:limit] == [302] * limit, f"the first {limit} should pass: {statuses}")
        say(f"ok  /report/ limit across both nodes ({mode}): exactly {limit} of {len(statuses)} accepted")


def run_checks(cluster: Cluster) -> list[str]:
    """Run every check (a failed one does not stop the others); return the failures."""
    failures = []

    def run(check_function, *args):
        try:
            return check_function(cluster, *args)
        except CheckFailed as error:
            say(f"FAIL {check_function.__name__}: {error}")
            failures.append(f"{check_function.__name__}: {error}")
            return None

    run(check_health)
    area = community_id(cluster)
    run(check_unique_numbers, area)
    browser = run(check_session)
    if browser is not None:
        run(check_photo, browser, area)
    run(check_periodic)
    run(check_report_limit, area)
    run(check_kill)  # last: it kills and replaces a worker
    return failures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--keep", action="store_true", help="keep the cluster running after the checks")
    args = parser.parse_args()

    def interrupted(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, interrupted)
    cluster = Cluster()
    failed = None
    try:
        cluster.start()
        failures = run_checks(cluster)
        if failures:
            raise CheckFailed(f"{len(failures)} check(s) failed:\n  " + "\n  ".join(failures))
        say("cluster test passed")
        if args.keep:
            say(f"running: http://127.0.0.1:{cluster.lb_port}/  (Ctrl-C stops)")
            while True:
                time.sleep(3600)
    except CheckFailed as error:
        failed = str(error)
    except KeyboardInterrupt:
        failed = None if args.keep else "interrupted"
    finally:
        if failed:
            say(f"FAILED: {failed}")
            for name in ("web1", "web2", "worker1", "worker2", "nginx"):
                tail = "\n".join(cluster.log(name).splitlines()[-15:])
                if tail:
                    print(f"--- last lines of {name}.log\n{tail}", file=sys.stderr)
        cluster.close(keep_logs=bool(failed))
        say(f"stopped and cleaned up ({time.monotonic() - START:.0f}s in all)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
