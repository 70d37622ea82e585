"""Which text encoding a Korean CSV file uses: Excel writes UTF-8 with a BOM or CP949."""

ENCODINGS = ("auto", "utf-8", "utf-8-sig", "cp949")
BOM = b"\xef\xbb\xbf"


class EncodingUnknown(ValueError):
    pass


def guess(data: bytes) -> str:
    """The encoding of `data` (the start of a file): a BOM, else UTF-8, else CP949."""
    if data.startswith(BOM):
        return "utf-8-sig"
    for encoding in ("utf-8", "cp949"):
        try:
            data.decode(encoding)
            return encoding
        except UnicodeDecodeError as e:
            failure = e
    raise EncodingUnknown(
        f"the file is neither UTF-8 nor CP949 (byte {failure.object[failure.start]:#04x} at "
        f"offset {failure.start}); pass --encoding"
    )
