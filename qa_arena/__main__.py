import sys

from qa_arena.cli import main

sys.exit(main())
