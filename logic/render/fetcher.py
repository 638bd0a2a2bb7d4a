"""The only way the PDF renderer reads anything: files under allowed folders, and in-memory attachments.

No network, no `data:` URLs, no file outside the roots (the shipped assets and the uploads folder), whatever a
template or a stylesheet asks for; symbolic links are resolved before the check.
"""
import mimetypes
from pathlib import Path
from urllib.parse import unquote, urlsplit
from urllib.request import url2pathname

from weasyprint.urls import URLFetcher, URLFetcherResponse

MEMORY_SCHEME = 'facturier-memory:'
TYPES = {'.css': 'text/css', '.ttf': 'font/ttf', '.png': 'image/png', '.jpg': 'image/jpeg', '.jpeg': 'image/jpeg',
         '.svg': 'image/svg+xml', '.html': 'text/html'}


class ResourceRefused(ValueError):
    """The document asked for something outside the allowed folders."""


class RestrictedFetcher(URLFetcher):
    def __init__(self, roots: list[Path], memory: dict[str, tuple[bytes, str]] | None = None) -> None:
        super().__init__(allowed_protocols=('file', MEMORY_SCHEME[:-1]), allow_redirects=False)
        self.roots = [Path(root).resolve() for root in roots]
        self.memory = memory or {}
        self.refused: list[str] = []

    def fetch(self, url: str, headers=None) -> URLFetcherResponse:
        if url.startswith(MEMORY_SCHEME) and url[len(MEMORY_SCHEME):] in self.memory:
            data, mime_type = self.memory[url[len(MEMORY_SCHEME):]]
            return URLFetcherResponse(url, data, {'Content-Type': mime_type})
        if url.startswith('file:'):
            path = Path(url2pathname(unquote(urlsplit(url).path))).resolve()
            if path.is_file() and any(path.is_relative_to(root) for root in self.roots):
                mime_type = TYPES.get(path.suffix.lower()) or mimetypes.guess_type(path.name)[0] or \
                    'application/octet-stream'
                return URLFetcherResponse(url, path.read_bytes(), {'Content-Type': mime_type})
        self.refused.append(url)
        raise ResourceRefused(f'ressource refusée : {url[:200]}')


def file_url(path: Path) -> str:
    return path.resolve().as_uri()
