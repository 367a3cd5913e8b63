"""Every variable the settings read from the environment is documented for whoever deploys:
in the README, .env.example or docs/."""

import re

from django.conf import settings

READ = re.compile(r"\benv(?:\.[a-z]+)?\(\s*\"([A-Z][A-Z0-9_]+)\"")


def test_every_environment_variable_the_settings_read_is_documented():
    base = settings.BASE_DIR
    read = {
        name
        for module in (base / "config" / "settings").glob("*.py")
        for name in READ.findall(module.read_text())
    }
    documents = [base / "README.md", base / ".env.example", *(base / "docs").glob("*.md")]
    documented = "\n".join(document.read_text() for document in documents)
    assert read, "no variable found: the pattern no longer matches how settings read them"
    assert sorted(name for name in read if name not in documented) == []
