"""Static files storage: whitenoise's compressed manifest storage (hashed names, gzip copies).

The vendored minified files (Bootstrap, Leaflet, Swagger UI) end with a ``sourceMappingURL``
comment naming a ``.map`` file that is not shipped (``static/vendor/README.md``: copied unchanged).
Django's manifest storage would rewrite those comments and fails on the missing file, so this
storage rewrites ``url(…)`` and ``@import`` references (which must point at hashed names) and leaves
source-map comments as they are: a browser asks for the map only when its developer tools are open.
"""

from whitenoise.storage import CompressedManifestStaticFilesStorage


def _without_source_maps(patterns):
    def keep(pattern):
        regex = pattern if isinstance(pattern, str) else pattern[0]
        return "sourceMappingURL" not in regex

    return tuple((glob, tuple(p for p in group if keep(p))) for glob, group in patterns)


class StaticFilesStorage(CompressedManifestStaticFilesStorage):
    patterns = _without_source_maps(CompressedManifestStaticFilesStorage.patterns)
