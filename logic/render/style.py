"""How a print template looks (DOC3), as plain data checked on construction.

Colours and fonts end up in the document's CSS, so they are never free text: a colour is `#rrggbb`, a font is a key of
FONTS (files shipped in assets/fonts, so that every machine prints the same), the logo is a server-made file name in
the uploads folder. Texts (header, footer) are user text and only ever reach the HTML through autoescaping.
"""
import re
from dataclasses import asdict, dataclass, fields

LAYOUTS = {'classique': 'Classique', 'moderne': 'Moderne'}
# key: (label, CSS family name used in the documents, {face: file in assets/fonts})
FONTS = {
    'dejavu-serif': ('DejaVu Serif', 'Facturier DejaVu Serif',
                     {'regular': 'DejaVuSerif.ttf', 'bold': 'DejaVuSerif-Bold.ttf',
                      'italic': 'DejaVuSerif-Italic.ttf'}),
    'dejavu-sans': ('DejaVu Sans', 'Facturier DejaVu Sans',
                    {'regular': 'DejaVuSans.ttf', 'bold': 'DejaVuSans-Bold.ttf', 'italic': 'DejaVuSans-Oblique.ttf'}),
    'liberation-serif': ('Liberation Serif', 'Facturier Liberation Serif',
                         {'regular': 'LiberationSerif-Regular.ttf', 'bold': 'LiberationSerif-Bold.ttf',
                          'italic': 'LiberationSerif-Italic.ttf'}),
    'liberation-sans': ('Liberation Sans', 'Facturier Liberation Sans',
                        {'regular': 'LiberationSans-Regular.ttf', 'bold': 'LiberationSans-Bold.ttf',
                         'italic': 'LiberationSans-Italic.ttf'}),
    'open-sans': ('Open Sans', 'Facturier Open Sans',
                  {'regular': 'OpenSans-Regular.ttf', 'bold': 'OpenSans-Bold.ttf', 'italic': 'OpenSans-Italic.ttf'}),
}
# Glyphs missing from the chosen font (Open Sans has no narrow no-break space) come from a shipped font too.
FALLBACK_FONT = 'dejavu-sans'
FONT_LABELS = {key: label for key, (label, _family, _files) in FONTS.items()}
COLUMNS = {'show_reference': 'Référence', 'show_unit': 'Unité', 'show_discount': 'Remise'}
_COLOUR = re.compile(r'#[0-9a-fA-F]{6}')
_FILE_NAME = re.compile(r'[A-Za-z0-9][A-Za-z0-9_.-]{0,99}')


class StyleError(ValueError):
    """A template setting that cannot be printed; `str(exc)` is French."""


@dataclass(kw_only=True, slots=True, frozen=True)
class TemplateStyle:
    layout: str = 'classique'
    primary_color: str = '#1f3a5f'
    accent_color: str = '#b5452b'
    font: str = 'dejavu-serif'
    logo: str = ''  # a file name in the uploads folder, '' for none
    header_text: str = ''
    footer_text: str = ''
    show_reference: bool = True
    show_unit: bool = True
    show_discount: bool = True
    show_bank: bool = True
    # False: the lines and quantities only, no price nor total (a delivery note printed for the receiver, OR2).
    show_prices: bool = True

    def __post_init__(self) -> None:
        if self.layout not in LAYOUTS:
            raise StyleError('Mise en page inconnue.')
        if self.font not in FONTS:
            raise StyleError('Police inconnue.')
        for colour in (self.primary_color, self.accent_color):
            if not _COLOUR.fullmatch(colour or ''):
                raise StyleError(f'Couleur invalide : « {colour} » (attendu #RRVVBB, par exemple #1f3a5f).')
        if self.logo and (not _FILE_NAME.fullmatch(self.logo) or '..' in self.logo):
            raise StyleError('Nom de fichier de logo invalide.')

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> 'TemplateStyle':
        known = {f.name for f in fields(cls)}
        return cls(**{key: value for key, value in data.items() if key in known})


def font_face_css(font: str) -> str:
    """@font-face rules for a font and the fallback, with URLs relative to assets/templates/."""
    rules = []
    for key in dict.fromkeys((font, FALLBACK_FONT)):
        _label, family, files = FONTS[key]
        for face, file_name in files.items():
            weight = 'bold' if face == 'bold' else 'normal'
            style = 'italic' if face == 'italic' else 'normal'
            rules.append(f'@font-face {{ font-family: "{family}"; src: url("../fonts/{file_name}"); '
                         f'font-weight: {weight}; font-style: {style}; }}')
    return '\n'.join(rules)


def font_stack(font: str) -> str:
    return f'"{FONTS[font][1]}", "{FONTS[FALLBACK_FONT][1]}"'
