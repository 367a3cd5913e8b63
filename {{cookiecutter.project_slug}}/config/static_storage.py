"""How collectstatic stores static files in production."""

from whitenoise.storage import CompressedManifestStaticFilesStorage


class CompressedManifestStorage(CompressedManifestStaticFilesStorage):
    """Whitenoise's compressed, hashed files, with `import ... from "./x.js"` in ES modules
    rewritten to the hashed names too, so that the web client's modules cache like the rest."""

    support_js_module_import_aggregation = True
