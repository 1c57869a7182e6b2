"""The judge container's seccomp profile: an allow-list for Python and pytest, plus namespaces.

Docker's default profile refuses unshare(2) and mount(2) to a container without
CAP_SYS_ADMIN. The runner needs both, but only inside a user namespace it creates
for each run (so that every run gets its own PIDs, /tmp and mounts). This profile
therefore allows unshare/mount/umount2 and keeps the rest of the kernel surface
small: no ptrace, bpf, perf, keyrings, io_uring, userfaultfd, module or clock
calls. Anything not listed fails with EPERM.
"""

from __future__ import annotations

import json

# Grouped by what CPython and pytest use them for.
_FILES = """access faccessat faccessat2 chdir fchdir chmod fchmod fchmodat chown fchown fchownat lchown
close close_range creat dup dup2 dup3 fcntl flock fsync fdatasync fstat fstatfs statfs lstat stat newfstatat
statx ftruncate truncate getcwd getdents getdents64 link linkat symlink symlinkat mkdir mkdirat mknod mknodat
open openat openat2 read readv pread64 preadv preadv2 write writev pwrite64 pwritev pwritev2 lseek readlink
readlinkat rename renameat renameat2 rmdir unlink unlinkat umask utime utimes utimensat futimesat sendfile
copy_file_range splice tee fadvise64 fallocate sync syncfs sync_file_range getxattr lgetxattr fgetxattr
listxattr llistxattr flistxattr inotify_init inotify_init1 inotify_add_watch inotify_rm_watch"""
_MEMORY = """brk mmap munmap mremap mprotect madvise mincore msync mlock mlock2 munlock mlockall munlockall
memfd_create membarrier"""
_PROCESSES = """clone fork vfork execve execveat exit exit_group wait4 waitid kill tgkill tkill getpid getppid
gettid getpgid getpgrp setpgid getsid setsid getuid geteuid getgid getegid getresuid getresgid getgroups
setuid setgid setreuid setregid setresuid setresgid setgroups setfsuid setfsgid capget capset prctl
arch_prctl set_tid_address set_robust_list get_robust_list rseq getrlimit setrlimit prlimit64 getrusage
getpriority setpriority sched_yield sched_getaffinity sched_setaffinity sched_getparam sched_getscheduler
sched_get_priority_max sched_get_priority_min uname sysinfo times personality pidfd_open pidfd_send_signal"""
_SIGNALS_AND_TIME = """rt_sigaction rt_sigprocmask rt_sigreturn rt_sigpending rt_sigsuspend rt_sigtimedwait
rt_sigqueueinfo rt_tgsigqueueinfo sigaltstack signalfd signalfd4 pause alarm nanosleep clock_nanosleep
clock_gettime clock_getres gettimeofday time getitimer setitimer timer_create timer_delete timer_gettime
timer_settime timer_getoverrun timerfd_create timerfd_gettime timerfd_settime restart_syscall"""
_WAITING = """futex futex_waitv poll ppoll select pselect6 epoll_create epoll_create1 epoll_ctl epoll_wait
epoll_pwait epoll_pwait2 eventfd eventfd2 pipe pipe2 ioctl getrandom"""
_SOCKETS = """socket socketpair bind connect listen accept accept4 getsockname getpeername getsockopt
setsockopt sendto recvfrom sendmsg recvmsg sendmmsg recvmmsg shutdown"""
_IPC = """shmget shmat shmdt shmctl semget semop semtimedop semctl msgget msgsnd msgrcv msgctl mq_open
mq_unlink mq_timedsend mq_timedreceive mq_notify mq_getsetattr"""
# What the runner needs to give each run fresh namespaces (effective only in a user namespace it owns).
_NAMESPACES = "unshare mount umount2"

ALLOWED = sorted(
    {
        name
        for group in (_FILES, _MEMORY, _PROCESSES, _SIGNALS_AND_TIME, _WAITING, _SOCKETS, _IPC, _NAMESPACES)
        for name in group.split()
    }
)


def profile() -> dict:
    """The profile as Docker expects it (security_opt 'seccomp=<json>')."""
    return {
        "defaultAction": "SCMP_ACT_ERRNO",
        "defaultErrnoRet": 1,
        "archMap": [
            {"architecture": "SCMP_ARCH_X86_64", "subArchitectures": ["SCMP_ARCH_X86", "SCMP_ARCH_X32"]},
            {"architecture": "SCMP_ARCH_AARCH64", "subArchitectures": ["SCMP_ARCH_ARM"]},
        ],
        "syscalls": [
            {"names": ALLOWED, "action": "SCMP_ACT_ALLOW"},
            # glibc falls back to clone(2) when clone3 is "not implemented"
            {"names": ["clone3"], "action": "SCMP_ACT_ERRNO", "errnoRet": 38},
        ],
    }


def profile_json() -> str:
    return json.dumps(profile(), separators=(",", ":"))
