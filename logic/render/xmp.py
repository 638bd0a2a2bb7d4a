"""One XMP packet for a Factur-X PDF/A-3: WeasyPrint's own rdf:RDF block with the Factur-X descriptions merged in.

WeasyPrint's `xmp_metadata` option would append a second rdf:RDF block (some readers ignore it) and
`facturx.generate_from_binary` rewrites the PDF leaving Info and XMP disagreeing; merging here keeps one block whose
producer, title and dates are those of the Info dictionary, since WeasyPrint writes both from the same metadata.
"""
from xml.etree.ElementTree import fromstring, register_namespace, tostring

from weasyprint.pdf.metadata import DocumentMetadata

RDF = 'http://www.w3.org/1999/02/22-rdf-syntax-ns#'
FX = 'urn:factur-x:pdfa:CrossIndustryDocument:invoice:1p0#'
NAMESPACES = {'fx': FX, 'pdfaExtension': 'http://www.aiim.org/pdfa/ns/extension/',
              'pdfaSchema': 'http://www.aiim.org/pdfa/ns/schema#',
              'pdfaProperty': 'http://www.aiim.org/pdfa/ns/property#'}
for _prefix, _uri in NAMESPACES.items():
    register_namespace(_prefix, _uri)

_PROPERTIES = (('DocumentFileName', 'The name of the embedded XML document'),
               ('DocumentType', 'The type of the hybrid document in capital letters, e.g. INVOICE or ORDER'),
               ('Version', 'The actual version of the standard applying to the embedded XML document'),
               ('ConformanceLevel', 'The conformance level of the embedded XML document'))


def facturx_descriptions(conformance_level: str = 'EN 16931', file_name: str = 'factur-x.xml') -> str:
    """The two rdf:Description elements Factur-X adds: its values, and the PDF/A extension schema declaring them."""
    properties = ''.join(
        f'<rdf:li rdf:parseType="Resource"><pdfaProperty:name>{name}</pdfaProperty:name>'
        f'<pdfaProperty:valueType>Text</pdfaProperty:valueType><pdfaProperty:category>external'
        f'</pdfaProperty:category><pdfaProperty:description>{text}</pdfaProperty:description></rdf:li>'
        for name, text in _PROPERTIES)
    return (
        f'<rdf:RDF xmlns:rdf="{RDF}" ' + ' '.join(f'xmlns:{p}="{u}"' for p, u in NAMESPACES.items()) + '>'
        f'<rdf:Description rdf:about=""><fx:DocumentType>INVOICE</fx:DocumentType>'
        f'<fx:DocumentFileName>{file_name}</fx:DocumentFileName><fx:Version>1.0</fx:Version>'
        f'<fx:ConformanceLevel>{conformance_level}</fx:ConformanceLevel></rdf:Description>'
        f'<rdf:Description rdf:about=""><pdfaExtension:schemas><rdf:Bag><rdf:li rdf:parseType="Resource">'
        f'<pdfaSchema:schema>Factur-X PDFA Extension Schema</pdfaSchema:schema>'
        f'<pdfaSchema:namespaceURI>{FX}</pdfaSchema:namespaceURI><pdfaSchema:prefix>fx</pdfaSchema:prefix>'
        f'<pdfaSchema:property><rdf:Seq>{properties}</rdf:Seq></pdfaSchema:property>'
        f'</rdf:li></rdf:Bag></pdfaExtension:schemas></rdf:Description></rdf:RDF>')


class MergedMetadata(DocumentMetadata):
    """A DocumentMetadata whose RDF block also carries extra rdf:Description elements."""

    def __init__(self, base: DocumentMetadata, extra_rdf: str) -> None:
        super().__init__(title=base.title, authors=base.authors, description=base.description,
                         keywords=base.keywords, generator=base.generator, created=base.created,
                         modified=base.modified, attachments=base.attachments, lang=base.lang, custom=base.custom,
                         xmp_metadata=base.xmp_metadata)
        self.extra_rdf = extra_rdf

    def generate_rdf_metadata(self, variant, version, conformance):
        rdf = fromstring(super().generate_rdf_metadata(variant, version, conformance))
        for description in fromstring(self.extra_rdf).findall(f'{{{RDF}}}Description'):
            rdf.append(description)
        return tostring(rdf, encoding='utf-8')
