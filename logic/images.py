"""Server-side checks of uploaded images: the bytes decide, never the file name or the browser's type."""
import io

from PIL import Image, UnidentifiedImageError

from logic.errors import DomainError

MAX_LOGO_BYTES = 2 * 1024 * 1024
MAX_PIXELS = 25_000_000
_FORMATS = {'PNG': 'png', 'JPEG': 'jpg'}


def check_logo(data: bytes) -> str:
    """Return the file extension to store ('png' or 'jpg') or raise a French DomainError."""
    if not data:
        raise DomainError('Le fichier est vide.')
    if len(data) > MAX_LOGO_BYTES:
        raise DomainError('Le logo dépasse 2 Mo : réduisez-le avant de l’envoyer.')
    if not (data.startswith(b'\x89PNG\r\n\x1a\n') or data.startswith(b'\xff\xd8\xff')):
        raise DomainError('Le logo doit être une image PNG ou JPEG.')
    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.width * image.height > MAX_PIXELS:
                raise DomainError('Le logo est trop grand (plus de 25 millions de pixels).')
            image.verify()
            kind = image.format
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise DomainError('Le fichier n’est pas une image PNG ou JPEG lisible.') from None
    if kind not in _FORMATS:
        raise DomainError('Le logo doit être une image PNG ou JPEG.')
    return _FORMATS[kind]
