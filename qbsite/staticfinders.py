"""Serve the browser libraries that npm installs (package.json, pinned by package-lock.json,
installed by `npm ci` into node_modules/) as static files under vendor/: the chart's
lightweight-charts as static/vendor/lightweight-charts.js. Nothing is fetched at run time."""

from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles.finders import BaseFinder
from django.core import checks
from django.core.files.storage import FileSystemStorage

NODE_MODULES = Path(settings.BASE_DIR) / "node_modules"
# static name -> the file in node_modules that is served under it
FILES = {
    "vendor/lightweight-charts.js": (
        "lightweight-charts/dist/lightweight-charts.standalone.production.js"
    ),
}


class NodeModulesFinder(BaseFinder):
    def __init__(self, *args, **kwargs):
        self.storage = FileSystemStorage(location=NODE_MODULES)

    def check(self, **kwargs):
        return [
            checks.Warning(
                f"{NODE_MODULES / path} is missing, so static/{name} cannot be served.",
                hint="Install the npm packages with `npm ci` (`make run` and `make test` do).",
                obj=self,
                id="qbsite.W001",
            )
            for name, path in FILES.items()
            if not (NODE_MODULES / path).is_file()
        ]

    def find(self, path, find_all=False, **kwargs):
        source = NODE_MODULES / FILES[path] if path in FILES else None
        found = [str(source)] if source and source.is_file() else []
        return found if find_all else next(iter(found), None)

    def list(self, ignore_patterns):
        for name, path in FILES.items():
            if (NODE_MODULES / path).is_file():
                yield name, Storage(NODE_MODULES / path, name)


class Storage(FileSystemStorage):
    """One file of node_modules, under the static name collectstatic copies it to:
    collectstatic opens `name` in the storage that list() pairs it with."""

    def __init__(self, source: Path, name: str):
        super().__init__(location=source.parent)
        self.source, self.name = source, name

    def path(self, name):
        return str(self.source) if name == self.name else super().path(name)
