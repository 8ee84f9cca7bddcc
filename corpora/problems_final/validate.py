"""Check corpora/problems_final (the final held-out set); the checks are in corpora/problem_sets.py.

    .venv/bin/python corpora/problems_final/validate.py [CORPUS_DIR]
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from problem_sets import validate_main  # noqa: E402

if __name__ == "__main__":
    sys.exit(validate_main(sys.argv, Path(__file__).parent, min_chars=900, max_chars=4000))
