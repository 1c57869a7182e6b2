import sys

from qa_arena.cli import main

if __name__ == "__main__":  # not when a spawned job process imports it as __mp_main__
    sys.exit(main())
