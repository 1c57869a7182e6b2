"""Run a command as `nobody` where user namespaces are refused (as on kernels that forbid unprivileged ones).

    python refuse_user_namespaces.py COMMAND [ARG ...]     # as root

The command runs in a user namespace of its own, mapped one to one onto the host's ids, whose
user.max_user_namespaces is 0: any user namespace it asks for fails, as on such kernels. It must be
given as `setpriv --reuid=nobody ... COMMAND`, which drops root inside that namespace.
"""

import ctypes
import os
import sys

CLONE_NEWUSER = 0x10000000

libc = ctypes.CDLL(None, use_errno=True)
ready_r, ready_w = os.pipe()
mapped_r, mapped_w = os.pipe()
pid = os.fork()
if pid == 0:
    if libc.unshare(CLONE_NEWUSER) != 0:
        os._exit(100)
    os.write(ready_w, b"x")
    os.read(mapped_r, 1)
    with open("/proc/sys/user/max_user_namespaces", "w") as limit:
        limit.write("0")
    os.execvp(sys.argv[1], sys.argv[1:])
os.close(ready_w)
os.close(mapped_r)
if os.read(ready_r, 1) != b"x":
    sys.exit("could not make a user namespace")
for name in ("uid_map", "gid_map"):
    with open(f"/proc/{pid}/{name}", "w") as ids:
        ids.write("0 0 4294967295")
os.write(mapped_w, b"x")
_, status = os.waitpid(pid, 0)
sys.exit(os.waitstatus_to_exitcode(status))
