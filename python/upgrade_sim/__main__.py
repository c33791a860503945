"""``python -m upgrade_sim ARGS``: runs the installed `upgrade-sim` binary with ARGS."""

import os
import subprocess
import sys

from ._simulator import find_binary


def main() -> int:
    binary = find_binary()
    if os.name == "nt":
        return subprocess.call([binary, *sys.argv[1:]])
    os.execv(binary, [binary, *sys.argv[1:]])
    return 0  # not reached


if __name__ == "__main__":
    sys.exit(main())
