"""The one place that reads the process environment.

Every setting that comes from the environment is read through ``env`` in the
``config.settings`` package; nothing else in the code base looks at ``os.environ``.
"""

from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
