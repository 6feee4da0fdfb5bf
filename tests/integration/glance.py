"""Starts a private, real Glance (Debian 12's Glance Zed, python3-glance) on
a free loopback port for a test, and stops it (by its PID) afterwards.

Everything it writes is in its own temporary directory: glance-api.conf,
the paste ini, the SQLite database (schema by `glance-manage db_sync`), the
file store, the staging dir and the log. Nothing under /etc/glance is read
and no system service is involved.

Glance's console scripts (`glance-api`, `glance-manage`) ship in Debian's
service packages glance-api/glance-common, which also install a systemd
unit/init script that starts a system glance-api on *:9292, a `glance`
user and dbconfig. Only the library python3-glance is needed: when the
console scripts are not installed, the same entry points are run as
`python3 -c 'from glance.cmd.api import main; ...'` (as
../shared/tempest-harness does).

    with Glance() as g:                       # noauth deployment
        status, hdrs, body = g.call("/v2/images")

    Glance(auth="keystone", keystone_url="http://127.0.0.1:18750/v3",
           service_user=("glance", "glancepass", "service"))

auth="noauth": `[paste_deploy] flavor =` empty, i.e. the `glance-api`
pipeline with `unauthenticated-context`: every request is an admin context
with no user and no project (images get `owner: null`); X-Auth-Token is
ignored. auth="keystone": `flavor = keystone`, the `glance-api-keystone`
pipeline with keystonemiddleware's `authtoken` (a service user that may
validate tokens) and `context`; requests need a valid X-Auth-Token.
"""
import hashlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

PYTHON = "/usr/bin/python3"

PASTE_INI = """\
# glance-api's paste pipelines (Glance Zed's etc/glance-api-paste.ini,
# reduced): [paste_deploy] flavor = (empty) selects glance-api (noauth),
# flavor = keystone selects glance-api-keystone.
[pipeline:glance-api]
pipeline = cors healthcheck http_proxy_to_wsgi versionnegotiation osprofiler unauthenticated-context rootapp

[pipeline:glance-api-keystone]
pipeline = cors healthcheck http_proxy_to_wsgi versionnegotiation osprofiler authtoken context rootapp

[composite:rootapp]
paste.composite_factory = glance.api:root_app_factory
/: apiversions
/v2: apiv2app

[app:apiversions]
paste.app_factory = glance.api.versions:create_resource

[app:apiv2app]
paste.app_factory = glance.api.v2.router:API.factory

[filter:healthcheck]
paste.filter_factory = oslo_middleware:Healthcheck.factory

[filter:versionnegotiation]
paste.filter_factory = glance.api.middleware.version_negotiation:VersionNegotiationFilter.factory

[filter:unauthenticated-context]
paste.filter_factory = glance.api.middleware.context:UnauthenticatedContextMiddleware.factory

[filter:context]
paste.filter_factory = glance.api.middleware.context:ContextMiddleware.factory

[filter:authtoken]
paste.filter_factory = keystonemiddleware.auth_token:filter_factory
delay_auth_decision = true

[filter:osprofiler]
paste.filter_factory = osprofiler.web:WsgiMiddleware.factory

[filter:cors]
paste.filter_factory = oslo_middleware.cors:filter_factory
oslo_config_project = glance
oslo_config_program = glance-api

[filter:http_proxy_to_wsgi]
paste.filter_factory = oslo_middleware:HTTPProxyToWSGI.factory
"""


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def _entry(module, console_script):
    """The console script if Debian's service package installed it, else the
    same entry point through python3 (python3-glance only)."""
    path = shutil.which(console_script)
    if path:
        return [path]
    return [PYTHON, "-c",
            "import sys; from %s import main; sys.exit(main())" % module]


def available():
    """True when python3-glance is installed (the test skips otherwise)."""
    # Not from this folder: its glance.py would shadow the package.
    return subprocess.call([PYTHON, "-c", "import glance.cmd.api"], cwd="/",
                           stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL) == 0


class Glance:
    """A private glance-api. `workers`: 0 (the default) serves in the one
    process that was started (eventlet, no fork), so its PID is the whole
    server; >0 forks that many workers under it (they are in its process
    group, which stop() signals).
    `extra_conf`: {section: {option: value}} appended to glance-api.conf.
    `policy`: rules for the private policy.yaml; by default, in noauth,
    `publicize_image` is opened: the unauthenticated context is_admin but
    has no roles, and Zed's legacy rule for it is `role:admin`, so without
    it POST /v2/images {"visibility": "public"} is 403 "You are not
    authorized to complete publicize_image action."."""

    def __init__(self, auth="noauth", workers=0, keystone_url=None,
                 service_user=None, memcached=None, extra_conf=None,
                 policy=None, start_timeout=60):
        if auth not in ("noauth", "keystone"):
            raise ValueError("auth must be noauth or keystone")
        self.auth = auth
        self.dir = tempfile.mkdtemp(prefix="glance-")
        self.datadir = os.path.join(self.dir, "images")
        for d in ("images", "staging", "lock", "policy.d", "conf.d"):
            os.makedirs(os.path.join(self.dir, d))
        self.conf = os.path.join(self.dir, "glance-api.conf")
        self.paste = os.path.join(self.dir, "glance-api-paste.ini")
        self.db = os.path.join(self.dir, "glance.sqlite")
        self.log = os.path.join(self.dir, "glance-api.log")
        self.out = os.path.join(self.dir, "glance-api.out")
        self.proc = None
        with open(self.paste, "w") as f:
            f.write(PASTE_INI)
        if policy is None:
            policy = {"publicize_image": ""} if auth == "noauth" else {}
        with open(os.path.join(self.dir, "policy.yaml"), "w") as f:
            json.dump(policy, f)  # JSON is YAML
        try:
            self._db_sync(workers, keystone_url, service_user, memcached,
                          extra_conf)
            self._start(start_timeout)
        except BaseException:
            self.stop()
            raise

    # -- configuration -------------------------------------------------
    def _write_conf(self, port, workers, keystone_url, service_user,
                    memcached, extra_conf):
        conf = {
            "DEFAULT": {
                "bind_host": "127.0.0.1",
                "bind_port": str(port),
                "public_endpoint": "http://127.0.0.1:%d" % port,
                "workers": str(workers),
                "debug": "false",
                "use_stderr": "false",
                "log_file": self.log,
                # the import flow's staging area (default /tmp/staging/)
                "node_staging_uri": "file://" + os.path.join(self.dir, "staging"),
                "show_image_direct_url": "false",
                "show_multiple_locations": "false",
                # legacy policy defaults; must equal [oslo_policy] enforce_new_defaults
                "enforce_secure_rbac": "false",
            },
            "database": {"connection": "sqlite:///" + self.db},
            # single-store syntax: the file store only
            "glance_store": {
                "stores": "file",
                "default_store": "file",
                "filesystem_store_datadir": self.datadir,
            },
            "paste_deploy": {
                "flavor": "keystone" if self.auth == "keystone" else "",
                "config_file": self.paste,
            },
            "oslo_policy": {
                "enforce_new_defaults": "false",
                "enforce_scope": "false",
                # private, empty: never /etc/glance/policy.yaml
                "policy_file": os.path.join(self.dir, "policy.yaml"),
                "policy_dirs": os.path.join(self.dir, "policy.d"),
            },
            "oslo_concurrency": {"lock_path": os.path.join(self.dir, "lock")},
            "oslo_messaging_notifications": {"driver": "noop"},
        }
        if self.auth == "keystone":
            if not keystone_url or not service_user:
                raise ValueError("keystone mode needs keystone_url and "
                                 "service_user=(name, password, project)")
            user, password, project = service_user
            conf["keystone_authtoken"] = {
                "www_authenticate_uri": keystone_url,
                "auth_url": keystone_url,
                "auth_type": "password",
                "username": user,
                "password": password,
                "project_name": project,
                "user_domain_name": "Default",
                "project_domain_name": "Default",
                "interface": "public",
                "service_token_roles_required": "true",
            }
            if memcached:
                conf["keystone_authtoken"]["memcached_servers"] = memcached
        for section, opts in (extra_conf or {}).items():
            conf.setdefault(section, {}).update(opts)
        with open(self.conf, "w") as f:
            for section, opts in conf.items():
                f.write("[%s]\n" % section)
                for k, v in opts.items():
                    f.write("%s = %s\n" % (k, v))
                f.write("\n")
        os.chmod(self.conf, 0o600)

    def _args(self):
        return ["--config-file", self.conf,
                "--config-dir", os.path.join(self.dir, "conf.d")]

    def _db_sync(self, workers, keystone_url, service_user, memcached,
                 extra_conf):
        self.port = free_port()
        self._write_conf(self.port, workers, keystone_url, service_user,
                         memcached, extra_conf)
        self._conf_args = (workers, keystone_url, service_user, memcached,
                           extra_conf)
        t0 = time.monotonic()
        with open(os.path.join(self.dir, "glance-manage.log"), "w") as log:
            rc = subprocess.call(
                _entry("glance.cmd.manage", "glance-manage") + self._args()
                + ["db_sync"], stdout=log, stderr=subprocess.STDOUT,
                cwd=self.dir)
        self.db_sync_seconds = time.monotonic() - t0
        if rc != 0:
            raise RuntimeError("glance-manage db_sync failed (%d):\n%s"
                               % (rc, self._read("glance-manage.log")))

    # -- process -------------------------------------------------------
    def _start(self, timeout, tries=3):
        for attempt in range(tries):
            if attempt:
                # the free port was taken meanwhile: another one
                self.port = free_port()
                self._write_conf(self.port, *self._conf_args)
            self.url = "http://127.0.0.1:%d" % self.port
            t0 = time.monotonic()
            out = open(self.out, "w")
            self.proc = subprocess.Popen(
                _entry("glance.cmd.api", "glance-api") + self._args(),
                stdout=out, stderr=subprocess.STDOUT, cwd=self.dir,
                start_new_session=True)
            out.close()
            deadline = t0 + timeout
            while time.monotonic() < deadline:
                if self.proc.poll() is not None:
                    break
                try:
                    with urllib.request.urlopen(self.url + "/versions",
                                                timeout=2) as r:
                        if r.status == 200:
                            self.start_seconds = time.monotonic() - t0
                            return
                except urllib.error.HTTPError as e:
                    if e.code in (200, 300):  # /versions answers 300 at /
                        self.start_seconds = time.monotonic() - t0
                        return
                except OSError:
                    pass
                time.sleep(0.1)
            text = self.log_text()
            self._stop_proc()
            if "Address already in use" not in text:
                raise RuntimeError("glance-api did not answer GET /versions "
                                   "within %ds:\n%s" % (timeout, text))
        raise RuntimeError("glance-api: no free port after %d tries" % tries)

    def _read(self, name):
        try:
            with open(os.path.join(self.dir, name), errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def log_text(self):
        return self._read("glance-api.out") + self._read("glance-api.log")

    def _stop_proc(self, timeout=20):
        p = self.proc
        if p is None or p.poll() is not None:
            return
        # its own session: the group is the server and any forked workers
        try:
            os.killpg(p.pid, signal.SIGTERM)
        except ProcessLookupError:
            return
        try:
            p.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, signal.SIGKILL)
            p.wait()
        try:  # workers that outlived the parent
            os.killpg(p.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass

    def stop(self, keep_dir=False):
        self._stop_proc()
        if not keep_dir:
            shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()

    # -- the file store --------------------------------------------------
    def stored_file(self, image_id):
        """The file store's copy of an image (`<datadir>/<image id>`)."""
        return os.path.join(self.datadir, image_id)

    def corrupt(self, image_id, data=None):
        """Overwrites the stored bytes behind Glance's back: the image record
        keeps its size, checksum and os_hash_value, GET .../file serves the
        new bytes. Default: the same length, first 4 KiB flipped."""
        path = self.stored_file(image_id)
        if data is None:
            with open(path, "rb") as f:
                data = bytearray(f.read())
            for i in range(min(4096, len(data))):
                data[i] ^= 0xFF
            data = bytes(data)
        with open(path, "wb") as f:
            f.write(data)
        return data

    # -- HTTP --------------------------------------------------------------
    def call(self, path, method="GET", body=None, token=None, headers=None,
             raw=None, content_type=None):
        """One request; (status, headers, parsed JSON or raw bytes or None)."""
        data = raw if raw is not None else (
            json.dumps(body).encode() if body is not None else None)
        req = urllib.request.Request(self.url + path, data=data, method=method)
        if token:
            req.add_header("X-Auth-Token", token)
        if data is not None:
            req.add_header("Content-Type", content_type or (
                "application/octet-stream" if raw is not None
                else "application/json"))
        for k, v in (headers or {}).items():
            req.add_header(k, v)
        try:
            with urllib.request.urlopen(req, timeout=60) as resp:
                status, hdrs, text = resp.status, resp.headers, resp.read()
        except urllib.error.HTTPError as e:
            status, hdrs, text = e.code, e.headers, e.read()
        ctype = hdrs.get("Content-Type", "") or ""
        if text and "json" in ctype:
            return status, hdrs, json.loads(text)
        return status, hdrs, (text or None)

    def create_image(self, file_path, token=None, **fields):
        """POST /v2/images then PUT .../file; answers the image record."""
        status, _, image = self.call("/v2/images", "POST", fields, token=token)
        if status != 201:
            raise RuntimeError("create: %d %s" % (status, image))
        with open(file_path, "rb") as f:
            status, _, body = self.call("/v2/images/%s/file" % image["id"],
                                        "PUT", raw=f.read(), token=token)
        if status != 204:
            raise RuntimeError("upload: %d %s" % (status, body))
        return self.call("/v2/images/" + image["id"], token=token)[2]


def file_hashes(path):
    """(md5 hex, sha512 hex, size) as Glance computes checksum/os_hash_value."""
    md5, sha = hashlib.md5(), hashlib.sha512()
    size = 0
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 16), b""):
            md5.update(chunk)
            sha.update(chunk)
            size += len(chunk)
    return md5.hexdigest(), sha.hexdigest(), size


if __name__ == "__main__":
    # python3 tests/integration/glance.py: start one, print its URL, wait
    # SIGTERM too (a background job of a script ignores SIGINT): the
    # finally below stops glance-api and removes its directory.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    g = Glance(auth=sys.argv[1] if len(sys.argv) > 1 else "noauth")
    print("glance-api on %s (pid %d, dir %s, started in %.2fs)"
          % (g.url, g.proc.pid, g.dir, g.start_seconds), flush=True)
    try:
        g.proc.wait()
    except KeyboardInterrupt:
        pass
    finally:
        g.stop()
