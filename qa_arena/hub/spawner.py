"""`IsolatedProcessSpawner`: the dev hub's single-user servers, as local processes under a uid per user.

JupyterHub's `SimpleLocalProcessSpawner` runs every server as the hub's own user: as root, every
student could read every other student's files. Here, when the hub runs as root, each user's server
runs under a uid of its own (`uid_base` + the user's id in the hub's database: no account is added to
the machine), with a home of its own (mode 0700). The server sees, in a mount namespace of its own,
an /etc/passwd in which its uid is called `jovyan`, as in the single-user containers: nbgrader then
takes the student's name from `$JUPYTERHUB_USER`, which the hub sets.

This isolates users from each other's homes; it is not a sandbox: servers share the machine, its
kernel and every world-readable file (the production profile runs users in containers).
"""

from __future__ import annotations

import ctypes
import os
import re
import sys
from pathlib import Path

from jupyterhub.spawner import LocalProcessSpawner
from traitlets import Bool, Dict, Integer, Unicode, default

CLONE_NEWNS = 0x00020000
PR_SET_NO_NEW_PRIVS = 38
MS_BIND, MS_REC, MS_PRIVATE = 4096, 16384, 1 << 18
SAFE_NAME = re.compile(r"^[a-z0-9][a-z0-9._@+-]*$")  # LMS users may be named by their email


class IsolatedProcessSpawner(LocalProcessSpawner):
    """Local single-user servers: each user under their own uid (when the hub is root), home in `home_root`."""

    home_root = Unicode(
        config=True,
        help="Directory of the users' homes: HOME_ROOT/NAME, mode 0700, owned by the user's uid. Other users "
        "must be able to traverse HOME_ROOT and its parents. Required.",
    )
    passwd_dir = Unicode(
        config=True,
        help="Where each user's view of /etc/passwd and /etc/group is written (readable by that user). Required.",
    )
    uid_base = Integer(
        420_000,
        config=True,
        help="A user's uid and gid are uid_base + the user's id in the hub's database. The range must not be "
        "used by anything else on the machine; uids are stable as long as the hub's database is kept.",
    )
    isolate = Bool(
        config=True,
        help="Run each server under the user's own uid. Default: True when the hub runs as root (it needs root). "
        "When False, every server runs as the hub's user, with no isolation at all (and --allow-root as root).",
    )
    python = Unicode(
        sys.executable,
        config=True,
        help="Interpreter of the servers and kernels; with `isolate` the users' uids must be able to execute it.",
    )
    bind_mounts = Dict(
        key_trait=Unicode(),
        value_trait=Unicode(),
        config=True,
        help="Target -> source: directories bound into each server's mount namespace (as root only; the "
        "targets must exist). E.g. the course's exchange at a path students can reach, while the course "
        "directory itself stays closed to them.",
    )
    jupyter_config_dir = Unicode(
        "", config=True, help="A directory put first on the servers' JUPYTER_CONFIG_PATH (e.g. nbgrader's exchange)."
    )

    _views: tuple[Path, Path] | None = None  # this user's /etc/passwd and /etc/group, set by start()

    @default("isolate")
    def _isolate_default(self) -> bool:
        return os.geteuid() == 0

    @default("cmd")
    def _cmd_default(self) -> list[str]:
        return [self.python, "-m", "jupyterhub.singleuser"]

    # -- the user's account --------------------------------------------------
    @property
    def uid(self) -> int:
        return self.uid_base + self.user.id if self.isolate else os.geteuid()

    @property
    def gid(self) -> int:
        return self.uid_base + self.user.id if self.isolate else os.getegid()

    @property
    def home(self) -> Path:
        if not SAFE_NAME.match(self.user.name):
            raise ValueError(f"user name {self.user.name!r} cannot name a home directory")
        if not self.home_root:
            raise ValueError("IsolatedProcessSpawner.home_root is not set")
        return Path(self.home_root) / self.user.name

    def _prepare_account(self) -> tuple[Path, Path]:
        """Create the home (0700, the user's) and the passwd/group views; return the views' paths."""
        home = self.home
        home.mkdir(parents=True, exist_ok=True)
        if self.isolate:
            os.chown(home, self.uid, self.gid)
        home.chmod(0o700)
        views = Path(self.passwd_dir)
        views.mkdir(parents=True, exist_ok=True)
        entry = f"jovyan:x:{self.uid}:{self.gid}:QA Arena user {self.user.name}:{home}:/bin/bash\n"
        passwd, group = views / f"{self.user.name}.passwd", views / f"{self.user.name}.group"
        others = [
            line for line in Path("/etc/passwd").read_text().splitlines(keepends=True) if not line.startswith("jovyan:")
        ]
        passwd.write_text(entry + "".join(others))
        groups = [
            line for line in Path("/etc/group").read_text().splitlines(keepends=True) if not line.startswith("jovyan:")
        ]
        group.write_text(f"jovyan:x:{self.gid}:\n" + "".join(groups))
        for view in (passwd, group):
            view.chmod(0o644)
        return passwd, group

    # -- LocalProcessSpawner -------------------------------------------------
    async def start(self):
        if os.geteuid() == 0:
            self._views = self._prepare_account()
        else:
            self.home.mkdir(parents=True, exist_ok=True)
            self.log.warning(
                "The hub is not root: %s's server runs as the hub's user, nbgrader sees that name", self.user.name
            )
            self._views = None
        return await super().start()

    def make_preexec_fn(self, name):
        home = str(self.home)
        if self._views is None:
            return lambda: os.chdir(home)
        passwd, group = (str(v).encode() for v in self._views)
        binds = [(source.encode(), target.encode()) for target, source in self.bind_mounts.items()]
        uid, gid, isolate = self.uid, self.gid, self.isolate
        libc = ctypes.CDLL(None, use_errno=True)
        unshare, mount, prctl = libc.unshare, libc.mount, libc.prctl
        unshare.argtypes = [ctypes.c_int]
        mount.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_ulong, ctypes.c_void_p]

        def check(result: int, what: str) -> None:
            if result != 0:
                errno = ctypes.get_errno()
                raise OSError(errno, f"{what}: {os.strerror(errno)}")

        def preexec():  # in the child, between fork and exec
            try:
                check(unshare(CLONE_NEWNS), "unshare(CLONE_NEWNS)")
                check(mount(b"none", b"/", None, MS_REC | MS_PRIVATE, None), "making / private")
                check(mount(passwd, b"/etc/passwd", None, MS_BIND, None), "binding /etc/passwd")
                check(mount(group, b"/etc/group", None, MS_BIND, None), "binding /etc/group")
                for source, target in binds:
                    check(mount(source, target, None, MS_BIND | MS_REC, None), f"binding {target.decode()}")
                if isolate:
                    os.setgroups([])
                    os.setgid(gid)
                    os.setuid(uid)
                    check(prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "setting no_new_privs")  # no setuid programs
                os.chdir(home)
            except BaseException as exc:
                os.write(2, f"IsolatedProcessSpawner: {exc}\n".encode())
                raise

        return preexec

    def user_env(self, env):
        env.pop("VIRTUAL_ENV", None)
        env.pop("PYTHONPATH", None)  # the hub's, which these users may not be able to read
        bin_dir = os.path.dirname(self.python)
        env.update(
            USER="jovyan",
            LOGNAME="jovyan",
            HOME=str(self.home),
            SHELL="/bin/bash",
            PATH=os.pathsep.join([bin_dir, "/usr/local/bin", "/usr/bin", "/bin"]),
        )
        if self.jupyter_config_dir:
            env["JUPYTER_CONFIG_PATH"] = os.pathsep.join(
                p for p in [self.jupyter_config_dir, env.get("JUPYTER_CONFIG_PATH", "")] if p
            )
        return env

    def get_args(self):
        args = super().get_args()
        if os.geteuid() == 0 and not self.isolate:
            args.append("--allow-root")
        return args

    def move_certs(self, paths):
        return paths  # internal SSL is not supported by this spawner
