"""Uploads and imports at the server's door (issue 18): the body of an upload is capped by the server, not only by
the browser, and a hostile spreadsheet is refused in French from the import dialog."""
from nicegui.elements.upload_files import SmallFileUpload
from nicegui.testing import User

from db.contact import Contact
from pages.upload_limit import MAX_BODY
from tests.logic.test_importing import HEADER, handmade_xlsx, repeated
from tests.pages.helpers import log_in

BOUNDARY = 'facturier-test'
MB = 1024 * 1024


async def open_import(user: User) -> str:
    """Open the contacts' import dialog; the address its upload field posts to."""
    await log_in(user, next_path='/contacts')
    await user.should_see('Importer', retries=50)
    user.find(marker='import').click()
    await user.should_see(marker='import-file')
    return user.find(marker='import-file').elements.pop().props['url']


def part_head(filename: str) -> bytes:
    return (f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="{filename}"\r\n'
            'Content-Type: text/csv\r\n\r\n').encode()


PART_TAIL = f'\r\n--{BOUNDARY}--\r\n'.encode()
MULTIPART = {'Content-Type': f'multipart/form-data; boundary={BOUNDARY}'}


async def test_an_upload_announced_beyond_the_cap_is_refused_before_it_is_read(user: User, admin):
    url = await open_import(user)
    response = await user.http_client.post(url, content=part_head('clients.csv') + b'Nom\nDupont\n' + PART_TAIL,
                                           headers={**MULTIPART, 'Content-Length': str(300 * MB)})
    assert response.status_code == 413
    assert response.text == 'Fichier trop volumineux : 10 Mo au maximum.'
    await user.should_not_see(marker='import-summary')  # the field never got the file


async def test_a_chunked_upload_is_cut_off_as_soon_as_it_passes_the_cap(user: User, admin):
    url = await open_import(user)
    sent = []

    async def body():  # no Content-Length: the server can only count what streams in
        yield part_head('clients.csv') + b'Nom\n'
        for _ in range(40):
            sent.append(MB)
            yield b'Dupont\n' * (MB // 7) + b'x' * (MB % 7)
        yield PART_TAIL

    response = await user.http_client.post(url, content=body(), headers=MULTIPART)
    assert response.status_code == 413
    assert sum(sent) <= MAX_BODY + MB  # not a megabyte more than the cap was read


async def test_an_upload_within_the_cap_still_reaches_its_field(user: User, admin):
    url = await open_import(user)
    data = b'Raison sociale;Ville\nAtelier Nord;Lille\n'
    response = await user.http_client.post(url, content=part_head('clients.csv') + data + PART_TAIL,
                                           headers=MULTIPART)
    assert response.status_code == 200
    await user.should_see(marker='import-ready', content='1 contacts seront créés', retries=50)


async def test_an_xlsx_bomb_is_refused_in_french_from_the_import_dialog(user: User, admin):
    await open_import(user)
    # A million identical cells in a second row: under 100 KB, 38 MB of XML once inflated.
    bomb = handmade_xlsx([HEADER, b'<row r="2">', *repeated(b'<c t="inlineStr"><is><t>a</t></is></c>', 1_000_000),
                          b'</row>'])
    uploader = user.find(marker='import-file').elements.pop()
    await uploader.handle_uploads([SmallFileUpload(name='bombe.xlsx', content_type='application/zip', _data=bomb)])
    await user.should_see('Le fichier Excel est anormalement compressé', retries=50)
    assert not await Contact.exists()
