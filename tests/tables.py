"""A page's data tables read as text, to say what a row shows."""

import re


def row_cells(html: str, heading: str) -> list[str]:
    """The text of each cell of the table row headed `heading`, without tags and with spaces collapsed."""
    row = re.search(rf'<th scope="row">{re.escape(heading)}</th>(.*?)</tr>', html, re.S)
    assert row, f"no row headed {heading!r}"
    cells = re.findall(r"<td[^>]*>(.*?)</td>", row.group(1), re.S)
    return [" ".join(re.sub(r"<[^>]+>", " ", cell).split()) for cell in cells]
