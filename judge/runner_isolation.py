"""How the runner walls in a run or a collector: namespaces, mounts, privileges, limits.

Part of the sandbox runner (runner.py, which says how the processes fit together): the standard library
only, nothing of QA Arena.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import os
import resource

TESTS_FILE = "test_submission.py"

CLONE_NEWNS = 0x00020000
CLONE_NEWUTS = 0x04000000
CLONE_NEWIPC = 0x08000000
CLONE_NEWUSER = 0x10000000
CLONE_NEWPID = 0x20000000
CLONE_NEWNET = 0x40000000
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC = 1, 2, 4, 8
MS_REMOUNT, MS_BIND, MS_REC, MS_PRIVATE = 0x20, 0x1000, 1 << 14, 1 << 18
PR_SET_NO_NEW_PRIVS, PR_SET_DUMPABLE, PR_CAPBSET_DROP = 38, 4, 24
PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL = 47, 4
libc = ctypes.CDLL(None, use_errno=True)


def check_call(ret: int, what: str) -> None:
    if ret != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"{what}: {os.strerror(err)}")


def mount(source: str, target: str, fstype: str | None, flags: int, data: str = "") -> None:
    check_call(
        libc.mount(source.encode(), target.encode(), fstype.encode() if fstype else None, flags, data.encode()),
        f"mount {target}",
    )


def write_file(path: str, text: str) -> None:
    with open(path, "w") as f:
        f.write(text)


def isolate(inside: int = 0) -> None:
    """Enter fresh namespaces; after this the caller must fork (new PID namespace). Without root, in a
    user namespace where the caller is `inside` (a collector is not root there: the runs it forks map
    their own namespaces onto its uid, which the kernel refuses for a root without CAP_SETFCAP)."""
    libc.prctl(PR_SET_DUMPABLE, 1, 0, 0, 0)  # writing our own uid_map needs a dumpable process
    flags = CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWIPC | CLONE_NEWNET | CLONE_NEWUTS
    if os.geteuid() != 0:
        uid, gid = os.geteuid(), os.getegid()
        check_call(libc.unshare(CLONE_NEWUSER | flags), "unshare")
        write_file("/proc/self/setgroups", "deny")
        write_file("/proc/self/uid_map", f"{inside} {uid} 1")
        write_file("/proc/self/gid_map", f"{inside} {gid} 1")
    else:
        check_call(libc.unshare(flags), "unshare")


def bind_into(root: str, path: str, read_only: bool = True) -> None:
    """Make host `path` appear at the same place under `root` (symlinks are copied as symlinks)."""
    target = root + path
    os.makedirs(os.path.dirname(target), exist_ok=True)
    if os.path.islink(path):
        os.symlink(os.readlink(path), target)
        return
    if os.path.isdir(path):
        os.makedirs(target, exist_ok=True)
    else:
        open(target, "a").close()
    mount(path, target, None, MS_BIND | MS_REC)
    if read_only:
        mount("none", target, None, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV)


def prepare_filesystem(sandbox: str, root: str, binds: list[str], tests: str, collector: bool = False) -> str:
    """Fresh tmpfs for the run's files and scratch space; with `root`, a minimal root holding only `binds`.
    No variant is a file: the module under test exists only as code (VariantLoader).

    A collector (collect-once) gets read-only scratch space and a /proc of its own: whatever its one
    collection does, it leaves no file behind for a run, and each run forked from it mounts its own
    scratch (`fresh_scratch`); it enters its root with pivot_root, as a chroot forbids runs' user namespaces."""
    mount("none", "/", None, MS_REC | MS_PRIVATE)
    os.umask(0o022)  # the directories made on the way to binds must be traversable by the run's uid
    with contextlib.suppress(OSError):
        write_file("/proc/self/oom_score_adj", "1000")  # the OOM killer takes a run, never the supervisor
    base = ""
    if root:  # the local backend: nothing of the host but the interpreter, its libraries and /etc
        mount("tmpfs", root, "tmpfs", MS_NOSUID | MS_NODEV, "size=1m,mode=0755")
        for path in binds:
            if os.path.lexists(path):
                bind_into(root, path)
        for device in ("/dev/null", "/dev/zero", "/dev/random", "/dev/urandom"):
            bind_into(root, device, read_only=False)
        base = root
    src_dir = sandbox + "/src"
    for path in SCRATCH:  # before the sandbox dir, which may lie in one of them
        if base:
            os.makedirs(base + path, exist_ok=True)
        if os.path.isdir(base + path):
            mount("tmpfs", base + path, "tmpfs", MS_NOSUID | MS_NODEV, "size=32m,mode=1777")
    if base:
        os.makedirs(base + sandbox, exist_ok=True)
    mount("tmpfs", base + sandbox, "tmpfs", MS_NOSUID | MS_NODEV, "size=16m,mode=0755")
    os.mkdir(base + src_dir, 0o755)
    files = {f"{sandbox}/{TESTS_FILE}": tests}
    for path, text in files.items():
        write_file(base + path, text)
    epoch = 1_000_000_000  # same timestamps in every run
    for path in (src_dir, *files, sandbox):
        os.utime(base + path, (epoch, epoch))
    mount("none", base + sandbox, None, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV)
    for path in SCRATCH if collector else ():
        if os.path.isdir(base + path):
            mount("none", base + path, None, MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV)
    for path in ("/proc", "/sys"):
        if base:
            os.makedirs(base + path, exist_ok=True)
        if collector and path == "/proc":
            own_proc(base)
        elif os.path.isdir(base + path):
            mount("tmpfs", base + path, "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, "size=4k,mode=0555")
    if base and collector:
        pivot_root(base)
    elif base:
        os.chroot(base)
    return src_dir


SCRATCH = ("/tmp", "/var/tmp", "/dev/shm")
NOBODY = 65534  # the uid and gid of a run forked from a collector, in its own user namespace
SYS_PIVOT_ROOT = {"x86_64": 155, "aarch64": 41}


def own_proc(base: str) -> None:
    """A procfs of the collector's PID namespace (it reads its own threads, children and mappings there),
    else the one it has (a container's, whose procfs cannot be mounted again)."""
    flags = MS_NOSUID | MS_NODEV | MS_NOEXEC
    try:
        mount("proc", base + "/proc", "proc", flags)
    except OSError:
        if base:
            mount("/proc", base + "/proc", None, MS_BIND | MS_REC)


def pivot_root(base: str) -> None:
    os.chdir(base)
    check_call(libc.syscall(SYS_PIVOT_ROOT[os.uname().machine], b".", b"."), "pivot_root")
    check_call(libc.umount2(b".", 2), "umount the old root")  # MNT_DETACH
    os.chdir("/")


def fresh_scratch(sandbox: str) -> None:
    """In a run forked from a collector: its own empty /tmp, /var/tmp and /dev/shm (the sandbox directory,
    if it lies in one, mounted again in the new one), and no /proc."""
    mount("none", "/", None, MS_REC | MS_PRIVATE)
    for path in SCRATCH:
        if not os.path.isdir(path):
            continue
        inside = sandbox.startswith(path + "/")
        kept = os.open(sandbox, os.O_PATH | os.O_DIRECTORY) if inside else -1
        mount("tmpfs", path, "tmpfs", MS_NOSUID | MS_NODEV, "size=32m,mode=1777")
        if inside:
            os.makedirs(sandbox)
            mount(f"/proc/self/fd/{kept}", sandbox, None, MS_BIND | MS_REC)
            os.close(kept)
    mount("tmpfs", "/proc", "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, "size=4k,mode=0555")


def drop_privileges(uid: int, gid: int, in_user_namespace: bool) -> None:
    """Leave the run with no capability (in a user namespace) or as an unprivileged uid (as root)."""
    if in_user_namespace:
        for cap in range(64):
            if libc.prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0 and ctypes.get_errno() == errno.EINVAL:
                break
        libc.prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0)
        header = (ctypes.c_uint32 * 2)(0x20080522, 0)  # _LINUX_CAPABILITY_VERSION_3, this process
        data = (ctypes.c_uint32 * 6)()
        check_call(libc.capset(header, data), "capset")
    else:
        os.setgroups([])
        os.setresgid(gid, gid, gid)
        os.setresuid(uid, uid, uid)
    check_call(libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "no_new_privs")


def limit_resources(memory_bytes: int, file_bytes: int, processes: int | None) -> None:
    """A run's rlimits; `processes` None leaves RLIMIT_NPROC alone (a collector: its runs set their own,
    counted in their user namespaces, so that a fork bomb in one never stops it forking the next)."""
    limits = {
        resource.RLIMIT_NPROC: processes,  # per uid: a fork bomb in one run leaves room for the others
        resource.RLIMIT_CORE: 0,
        resource.RLIMIT_FSIZE: file_bytes,
        resource.RLIMIT_NOFILE: 256,
        resource.RLIMIT_AS: memory_bytes,
    }
    for which, value in limits.items():
        with contextlib.suppress(ValueError, OSError):
            if value is not None:
                resource.setrlimit(which, (value, value))


def close_fds_except(keep: set[int]) -> None:
    low = 3
    for fd in sorted(keep):
        os.closerange(low, fd)
        low = fd + 1
    os.closerange(low, 1 << 16)


def probe_isolation() -> str:
    """Return how runs will be isolated, by trying it in a throwaway child."""
    pid = os.fork()
    if pid == 0:
        try:
            isolate()
            os._exit(0)
        except BaseException:
            os._exit(1)
    _, status = os.waitpid(pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        return "none"
    return "root" if os.geteuid() == 0 else "userns"
