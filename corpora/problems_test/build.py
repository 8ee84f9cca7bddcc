"""Build corpora/problems_test/reports and annotations from marked/ (corpora/problem_sets.py explains the markers).

    python corpora/problems_test/build.py      # rewrites reports/*.txt and annotations/*.json
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from problem_sets import build  # noqa: E402

if __name__ == "__main__":
    sys.exit(build(Path(__file__).parent))
