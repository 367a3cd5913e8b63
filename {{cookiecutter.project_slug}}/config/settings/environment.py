"""The environment every settings module reads from."""

from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
# Development values live in .env (git-ignored); variables already set in the
# environment win, so containers and CI configure the project without the file.
env.read_env(BASE_DIR / ".env")
