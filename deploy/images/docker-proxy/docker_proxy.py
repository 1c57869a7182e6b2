#!/usr/bin/env python3
"""A filtering proxy in front of the Docker engine's socket, so no QA Arena service holds the socket itself.

Access to the socket is root on the host. The hub (DockerSpawner) and the grading workers (the judge)
need only a sliver of the API: create, start, stop and remove containers of one image, with a given
name prefix and settings. This proxy listens on TCP, checks every request against a policy, and
forwards only what the policy allows to the engine's unix socket; everything else gets 403.

    docker_proxy.py --policy spawner --listen 0.0.0.0:2375     # for the hub: users' containers
    docker_proxy.py --policy judge --listen 0.0.0.0:2375       # for the workers: judge containers

What a policy allows:

- `GET /_ping`, `GET /version`, and inspecting the policy's images (`GET /images/NAME/json`);
- `POST /containers/create?name=PREFIX...` of an allowed image, after checking its settings: no
  privileged mode, added capabilities, devices, host namespaces, published ports, unmasked paths or
  unconfined security profiles; a memory and a pids limit; networks, named volumes and host paths from
  the policy's lists; for `judge` also no network, a read-only root, every capability dropped, a
  non-root user and a seccomp profile that denies by default; for `spawner` all capabilities dropped
  and a non-root user (from the request or the image);
- for a container whose name has the policy's prefix (the proxy inspects it first): the actions of the
  policy (`json`, `start`, `stop`, `kill`, `wait`, `delete`; `attach` for judge, `logs` for spawner).
  Nothing else: no exec, no archive, no update, no image build or pull, no networks, no volumes API.

Each request is forwarded with `Connection: close` (one request per connection, so a second request can
never slip through unchecked); attach requests keep their upgrade and become a raw stream.

Under `judge`, a container lives only as long as its attach stream: when the stream closes (the grader
is done, or its process died, leaving its pre-started containers behind), the proxy removes the
container. Every container created through the proxy gets the labels of QA_ARENA_PROXY_LABELS, so what
a stack made can be found (`docker ps --filter label=...`).

Settings (flags, or environment variables for the compose file):

    --policy / QA_ARENA_PROXY_POLICY          spawner | judge
    --listen / QA_ARENA_PROXY_LISTEN          HOST:PORT (default 0.0.0.0:2375)
    --docker / QA_ARENA_PROXY_DOCKER          the engine's socket (default unix:///var/run/docker.sock)
    QA_ARENA_PROXY_IMAGES                     allowed images, comma-separated
                                              (spawner: qa-arena/singleuser:latest; judge: qa-arena/judge:latest)
    QA_ARENA_PROXY_PREFIX                     container name prefix (qa-arena-user- | qa-arena-judge-)
    QA_ARENA_PROXY_NETWORKS                   allowed networks (spawner: qa-arena-users; judge: none)
    QA_ARENA_PROXY_VOLUMES                    allowed named volumes, shell patterns
                                              (spawner: qa-arena-home-*; judge: none)
    QA_ARENA_PROXY_BIND_PATHS                 host paths that may be bind-mounted, with what is under them
                                              (the per-user exchange mounts parts of it; default: none)
    QA_ARENA_PROXY_LABELS                     labels added to created containers: key=value,key=value

Standard library only; Python 3.9+.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import fnmatch
import json
import logging
import os
import re
import signal
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import parse_qs, unquote, urlsplit

log = logging.getLogger("qa-arena-docker-proxy")

MAX_HEAD = 64 * 1024
MAX_BODY = 4 * 1024 * 1024
VERSION_PREFIX = re.compile(r"^/v[0-9]+(?:\.[0-9]+)?(?=/)")
CONTAINER_PATH = re.compile(r"^/containers/([A-Za-z0-9][A-Za-z0-9_.-]*)(?:/([a-z]+))?$")
IMAGE_PATH = re.compile(r"^/images/(.+)/json$")
NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
HOP_HEADERS = {"connection", "keep-alive", "proxy-connection"}
ROOT_USERS = {"", "root", "0"}
NAMESPACE_KEYS = ("PidMode", "IpcMode", "UTSMode", "UsernsMode", "CgroupnsMode")
MUST_BE_EMPTY = (
    "CapAdd",
    "Devices",
    "DeviceRequests",
    "DeviceCgroupRules",
    "VolumesFrom",
    "Links",
    "PortBindings",
    "Sysctls",
    "CgroupParent",
)


class Denied(Exception):
    def __init__(self, reason: str, status: int = 403) -> None:
        super().__init__(reason)
        self.status = status


@dataclass
class Policy:
    name: str
    prefix: str
    images: list[str]
    actions: frozenset[str]
    networks: list[str] = field(default_factory=list)
    volumes: list[str] = field(default_factory=list)
    bind_paths: list[str] = field(default_factory=list)
    judge: bool = False  # no network, read-only root, seccomp denying by default, attach
    labels: dict[str, str] = field(default_factory=dict)  # added to every container created

    @classmethod
    def preset(cls, name: str, env: dict[str, str] | None = None) -> Policy:
        env = os.environ if env is None else env

        def listed(variable: str, default: str) -> list[str]:
            return [item.strip() for item in env.get(variable, default).split(",") if item.strip()]

        labels = dict(item.split("=", 1) for item in listed("QA_ARENA_PROXY_LABELS", "") if "=" in item)

        if name == "spawner":
            return cls(
                name="spawner",
                prefix=env.get("QA_ARENA_PROXY_PREFIX", "qa-arena-user-"),
                images=listed("QA_ARENA_PROXY_IMAGES", "qa-arena/singleuser:latest"),
                actions=frozenset({"json", "start", "stop", "kill", "wait", "delete", "logs"}),
                networks=listed("QA_ARENA_PROXY_NETWORKS", "qa-arena-users"),
                volumes=listed("QA_ARENA_PROXY_VOLUMES", "qa-arena-home-*"),
                bind_paths=listed("QA_ARENA_PROXY_BIND_PATHS", ""),
                labels=labels,
            )
        if name == "judge":
            return cls(
                name="judge",
                prefix=env.get("QA_ARENA_PROXY_PREFIX", "qa-arena-judge-"),
                images=listed("QA_ARENA_PROXY_IMAGES", "qa-arena/judge:latest"),
                actions=frozenset({"json", "start", "stop", "kill", "wait", "delete", "attach"}),
                networks=["none"],
                volumes=listed("QA_ARENA_PROXY_VOLUMES", ""),
                bind_paths=listed("QA_ARENA_PROXY_BIND_PATHS", ""),
                judge=True,
                labels=labels,
            )
        raise ValueError(f"unknown policy {name!r}: spawner or judge")

    # -- the checks --------------------------------------------------------------------------------
    def route(self, method: str, path: str) -> tuple[str, str | None]:
        """What a request is: ("ping" | "image" | "create" | "container", the container or image named).
        Denied for anything the policy does not allow."""
        if ".." in path or "//" in path:
            raise Denied(f"suspicious path {path!r}")
        if path in ("/_ping", "/version") and method in ("GET", "HEAD"):
            return "ping", None
        image = IMAGE_PATH.match(path)
        if image and method == "GET":
            if image.group(1) not in self.images:
                raise Denied(f"image {image.group(1)!r} is not one of {self.images}")
            return "image", image.group(1)
        if path == "/containers/create" and method == "POST":
            return "create", None
        container = CONTAINER_PATH.match(path)
        if container and container.group(1) not in ("create", "json"):
            action = container.group(2) or ("delete" if method == "DELETE" else "")
            expected = {"json": "GET", "logs": "GET", "delete": "DELETE"}.get(action, "POST")
            if action in self.actions and method == expected:
                return "container", container.group(1)
        raise Denied(f"{method} {path} is not allowed by the {self.name} policy")

    def check_name(self, name: str) -> None:
        name = name.lstrip("/")
        if not name.startswith(self.prefix):
            raise Denied(f"container {name!r} is not named {self.prefix}...")

    def check_create(self, query: str, body: bytes, image_user: Callable[[str], str]) -> None:
        """Settings of a new container; `image_user(image)` gives the user an image runs as."""
        names = parse_qs(query).get("name", [])
        if len(names) != 1 or not NAME.match(names[0]):
            raise Denied("a container must be created with a name")
        self.check_name(names[0])
        try:
            config = json.loads(body or b"{}")
        except ValueError as exc:
            raise Denied(f"the container's settings are not JSON: {exc}", 400) from exc
        if not isinstance(config, dict):
            raise Denied("the container's settings are not an object", 400)
        host = config.get("HostConfig") or {}
        if config.get("Image") not in self.images:
            raise Denied(f"image {config.get('Image')!r} is not one of {self.images}")
        if host.get("Privileged") or host.get("PublishAllPorts") or host.get("OomKillDisable"):
            raise Denied("privileged mode, published ports and OOM-kill exemption are not allowed")
        for key in MUST_BE_EMPTY:
            if host.get(key):
                raise Denied(f"HostConfig.{key} is not allowed")
        for key in NAMESPACE_KEYS:
            value = str(host.get(key) or "")
            if value == "host" or value.startswith("container:"):
                raise Denied(f"HostConfig.{key}={value} shares a namespace")
        for key in ("MaskedPaths", "ReadonlyPaths"):
            if host.get(key) is not None:
                raise Denied(f"HostConfig.{key} may not be changed")
        if host.get("Runtime") not in (None, "", "runc"):
            raise Denied(f"runtime {host.get('Runtime')!r} is not allowed")
        if not host.get("Memory") or int(host["Memory"]) <= 0:
            raise Denied("a memory limit is required")
        if not host.get("PidsLimit") or int(host["PidsLimit"]) <= 0:
            raise Denied("a pids limit is required")
        if "ALL" not in [str(c).upper() for c in host.get("CapDrop") or []]:
            raise Denied("every capability must be dropped (CapDrop: ALL)")
        self._check_security_opt(host.get("SecurityOpt") or [])
        self._check_network(host, config.get("NetworkingConfig") or {})
        self._check_mounts(host)
        user = str(config.get("User") or "")
        if not user:
            user = image_user(config["Image"])
        if user.split(":")[0] in ROOT_USERS:
            raise Denied("containers must run as a non-root user")
        if self.judge and not host.get("ReadonlyRootfs"):
            raise Denied("judge containers need a read-only root filesystem")

    def labelled(self, body: bytes) -> bytes:
        """The create request's body with the policy's labels added (after check_create passed)."""
        if not self.labels:
            return body
        config = json.loads(body or b"{}")
        config["Labels"] = {**(config.get("Labels") or {}), **self.labels}
        return json.dumps(config).encode()

    def _check_security_opt(self, options: list) -> None:
        seccomp = None
        for option in options:
            option = str(option)
            lowered = option.lower().replace(":", "=", 1)
            if "unconfined" in lowered or lowered.startswith("label=disable"):
                raise Denied(f"security option {option[:60]!r} is not allowed")
            if lowered.startswith("seccomp="):
                seccomp = option.split("=", 1)[1] if "=" in option else option.split(":", 1)[1]
        if not any(str(o).startswith("no-new-privileges") for o in options):
            raise Denied("no-new-privileges is required")
        if self.judge:
            if seccomp is None:
                raise Denied("judge containers need their seccomp profile")
            try:
                profile = json.loads(seccomp)
            except ValueError as exc:
                raise Denied("the seccomp profile is not JSON") from exc
            if str(profile.get("defaultAction", "")).upper() in ("SCMP_ACT_ALLOW", "SCMP_ACT_LOG"):
                raise Denied("the seccomp profile must deny by default")

    def _check_network(self, host: dict, networking: dict) -> None:
        mode = host.get("NetworkMode") or "default"
        if mode not in self.networks:
            raise Denied(f"network {mode!r} is not one of {self.networks}")
        for network in networking.get("EndpointsConfig") or {}:
            if network not in self.networks:
                raise Denied(f"network {network!r} is not one of {self.networks}")

    def _allowed_source(self, source: str) -> bool:
        if source.startswith("/"):
            source = os.path.normpath(source)  # no ".." left to climb out with
            return any(
                source == p or source.startswith(p.rstrip("/") + "/") for p in map(os.path.normpath, self.bind_paths)
            )
        return any(fnmatch.fnmatchcase(source, pattern) for pattern in self.volumes)

    def _check_mounts(self, host: dict) -> None:
        for bind in host.get("Binds") or []:
            source = str(bind).split(":", 1)[0]
            if not self._allowed_source(source):
                raise Denied(f"mount of {source!r} is not allowed")
        for mount in host.get("Mounts") or []:
            kind = mount.get("Type", "volume")
            if kind == "tmpfs":
                continue
            if kind not in ("bind", "volume"):
                raise Denied(f"mounts of type {kind!r} are not allowed")
            if (mount.get("VolumeOptions") or {}).get("DriverConfig"):
                raise Denied("volume driver options are not allowed")
            if not self._allowed_source(str(mount.get("Source") or "")):
                raise Denied(f"mount of {mount.get('Source')!r} is not allowed")


# -- the proxy ---------------------------------------------------------------------------------------
class Proxy:
    def __init__(self, policy: Policy, socket_path: str) -> None:
        self.policy = policy
        self.socket_path = socket_path

    async def engine(self, method: str, path: str) -> tuple[int, bytes]:
        """A request of the proxy's own to the engine (to inspect what a request names)."""
        reader, writer = await asyncio.open_unix_connection(self.socket_path)
        try:
            writer.write(f"{method} {path} HTTP/1.1\r\nHost: docker\r\nConnection: close\r\n\r\n".encode())
            await writer.drain()
            data = await reader.read()
        finally:
            writer.close()
        head, _, body = data.partition(b"\r\n\r\n")
        status = int(head.split(b" ", 2)[1])
        if b"transfer-encoding: chunked" in head.lower():
            body = _dechunk(body)
        return status, body

    async def image_user(self, image: str) -> str:
        status, body = await self.engine("GET", f"/images/{image}/json")
        if status != 200:
            raise Denied(f"image {image!r} cannot be inspected ({status})")
        return str((json.loads(body).get("Config") or {}).get("User") or "")

    async def check(self, method: str, path: str) -> tuple[int, bytes] | None:
        """For a request other than a create: None when it may go on, else the response to give instead."""
        kind, name = self.policy.route(method, path)
        if kind == "container":
            status, found = await self.engine("GET", f"/containers/{name}/json")
            if status == 404:
                return 404, found
            if status != 200:
                raise Denied(f"container {name!r} cannot be inspected ({status})", 502)
            self.policy.check_name(json.loads(found).get("Name", ""))
        return None

    async def check_create(self, query: str, body: bytes) -> None:
        """Policy.check_create, inspecting the image when the request does not say which user runs."""
        users: dict[str, str] = {}

        def image_user(image: str) -> str:
            if image not in users:
                raise LookupError(image)
            return users[image]

        try:
            self.policy.check_create(query, body, image_user)
        except LookupError as missing:
            users[missing.args[0]] = await self.image_user(missing.args[0])
            self.policy.check_create(query, body, image_user)

    async def handle(self, client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        peer = client_writer.get_extra_info("peername")
        try:
            try:
                head = await client_reader.readuntil(b"\r\n\r\n")
            except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
                return
            lines = head.decode("latin-1").split("\r\n")
            try:
                method, target, version = lines[0].split(" ")
            except ValueError:
                await self.reply(client_writer, 400, "bad request line")
                return
            headers = [tuple(part.strip() for part in line.split(":", 1)) for line in lines[1:] if ":" in line]
            lowered = {k.lower(): v for k, v in headers}
            url = urlsplit(target)
            path = VERSION_PREFIX.sub("", unquote(url.path))
            body = b""
            try:
                kind, name = self.policy.route(method, path)
                if kind == "create":
                    if "chunked" in lowered.get("transfer-encoding", "").lower():
                        raise Denied("send the container's settings with a Content-Length", 411)
                    length = int(lowered.get("content-length", "0") or 0)
                    if length > MAX_BODY:
                        raise Denied("the container's settings are too large", 413)
                    body = await client_reader.readexactly(length)
                    await self.check_create(url.query, body)
                    body = self.policy.labelled(body)
                else:
                    answer = await self.check(method, path)
                    if answer is not None:
                        log.info("%s %s %s -> %d", peer, method, path, answer[0])
                        await self.reply(client_writer, answer[0], raw=answer[1])
                        return
            except Denied as denied:
                log.warning("%s %s %s denied: %s", peer, method, path, denied)
                await self.reply(client_writer, denied.status, f"qa-arena docker proxy ({self.policy.name}): {denied}")
                return
            log.info("%s %s %s", peer, method, path)
            upgrade = "upgrade" in lowered.get("connection", "").lower() and "upgrade" in lowered
            kept = [(k, v) for k, v in headers if k.lower() not in HOP_HEADERS]
            if kind == "create":
                kept = [(k, v) for k, v in kept if k.lower() != "content-length"]
                kept.append(("Content-Length", str(len(body))))
            kept.append(("Connection", "Upgrade" if upgrade else "close"))
            request = f"{method} {target} {version}\r\n" + "".join(f"{k}: {v}\r\n" for k, v in kept) + "\r\n"
            engine_reader, engine_writer = await asyncio.open_unix_connection(self.socket_path)
            engine_writer.write(request.encode("latin-1") + body)
            await engine_writer.drain()
            await self.pipe(client_reader, client_writer, engine_reader, engine_writer)
            if self.policy.judge and kind == "container" and path.endswith("/attach"):
                status, _ = await self.engine("DELETE", f"/containers/{name}?force=1")
                if status not in (204, 404, 409):
                    log.warning("%s: removing %s after its attach stream closed gave %d", peer, name, status)
        except Exception:
            log.exception("%s: proxy error", peer)
        finally:
            client_writer.close()

    @staticmethod
    async def pipe(client_reader, client_writer, engine_reader, engine_writer) -> None:
        """Bytes both ways until the engine closes; the client's end of input is passed on (stdin EOF)."""

        async def upstream() -> None:
            try:
                while data := await client_reader.read(65536):
                    engine_writer.write(data)
                    await engine_writer.drain()
                if engine_writer.can_write_eof():
                    engine_writer.write_eof()
            except (ConnectionError, OSError):
                pass

        sending = asyncio.ensure_future(upstream())
        try:
            while data := await engine_reader.read(65536):
                client_writer.write(data)
                await client_writer.drain()
        except (ConnectionError, OSError):
            pass
        finally:
            sending.cancel()
            engine_writer.close()

    @staticmethod
    async def reply(writer, status: int, message: str = "", raw: bytes | None = None) -> None:
        body = raw if raw is not None else json.dumps({"message": message}).encode()
        reason = {400: "Bad Request", 403: "Forbidden", 404: "Not Found", 411: "Length Required"}.get(status, "Error")
        writer.write(
            f"HTTP/1.1 {status} {reason}\r\nContent-Type: application/json\r\nContent-Length: {len(body)}\r\n"
            f"Connection: close\r\n\r\n".encode()
            + body
        )
        with contextlib.suppress(ConnectionError):
            await writer.drain()


def _dechunk(data: bytes) -> bytes:
    out = bytearray()
    while data:
        size_line, _, rest = data.partition(b"\r\n")
        size = int(size_line.split(b";")[0] or b"0", 16)
        if size == 0:
            break
        out += rest[:size]
        data = rest[size + 2 :]
    return bytes(out)


async def serve(policy: Policy, listen: str, socket_path: str, ready=None) -> None:
    host, _, port = listen.rpartition(":")
    proxy = Proxy(policy, socket_path)
    server = await asyncio.start_server(proxy.handle, host or "0.0.0.0", int(port), limit=MAX_HEAD)
    log.info("policy %s on %s -> %s (images %s)", policy.name, listen, socket_path, ", ".join(policy.images))
    if ready is not None:
        ready(server)
    stopping = asyncio.Event()  # PID 1 in its container: SIGTERM needs a handler to stop it at all
    for signum in (signal.SIGTERM, signal.SIGINT):
        asyncio.get_running_loop().add_signal_handler(signum, stopping.set)
    async with server:
        await stopping.wait()
    log.info("stopped")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="A filtering proxy in front of the Docker engine's socket.")
    parser.add_argument("--policy", default=os.environ.get("QA_ARENA_PROXY_POLICY"), choices=["spawner", "judge"])
    parser.add_argument("--listen", default=os.environ.get("QA_ARENA_PROXY_LISTEN", "0.0.0.0:2375"))
    parser.add_argument("--docker", default=os.environ.get("QA_ARENA_PROXY_DOCKER", "unix:///var/run/docker.sock"))
    args = parser.parse_args(argv)
    if not args.policy:
        parser.error("--policy (or $QA_ARENA_PROXY_POLICY) is required")
    if not args.docker.startswith("unix://"):
        parser.error("--docker must be a unix:// socket")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s", stream=sys.stderr)
    asyncio.run(serve(Policy.preset(args.policy), args.listen, args.docker[len("unix://") :]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
