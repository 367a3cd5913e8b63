"""Filters for the logging configuration (config/settings/base.py LOGGING)."""

import logging
import re
import time
from urllib.parse import unquote_plus

# A parameter of a URL's query, its name as the client wrote it: percent-encoded or not.
QUERY_PARAMETER = re.compile(r"([?&])([^=&\s\"]*)=[^&\s\"]*")
# The parameters that carry a credential: a WebSocket ticket, or a token where the query is
# allowed. Named as the server reads them, decoded (accounts/websocket_auth.py).
CREDENTIAL_PARAMETERS = frozenset({"ticket", "token"})


def hide_credentials(text: str) -> str:
    """`text` with the value of every credential parameter of a query in it replaced."""

    def hidden(parameter: re.Match) -> str:
        separator, name = parameter.groups()
        if unquote_plus(name) in CREDENTIAL_PARAMETERS:
            return f"{separator}{name}=[hidden]"
        return parameter.group(0)

    return QUERY_PARAMETER.sub(hidden, text)


class HideCredentialsInPaths(logging.Filter):
    """uvicorn logs each WebSocket handshake with its path and query, access log or not: the
    query's ticket or token is replaced, so that the log never holds one that still works (a
    ticket of a handshake refused before it was redeemed stays good for its 30 seconds).
    Whatever the spelling of its name: `%74icket` is `ticket` to the server."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(
                hide_credentials(arg) if isinstance(arg, str) else arg for arg in record.args
            )
        return True


class OneLineWarning(logging.Filter):
    """Django logs a request it refuses as suspicious (a host it does not serve, a form of too
    many fields) as an ERROR with a traceback: any client can send one, so a scanner's requests
    filled the log with errors that are not the server's. Kept as one WARNING line, which still
    names the host to allow if it is a misconfiguration."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.levelno, record.levelname = logging.WARNING, "WARNING"
        record.exc_info, record.exc_text = None, None
        return True


class OncePerInterval(logging.Filter):
    """Lets a logger's message through once per `seconds`: channels-redis's subscriber logs an
    ERROR with a 35-line traceback every second while Redis is out of reach (719 lines in 12 s
    from one process), over the hub's own line saying so. The first of each still shows."""

    def __init__(self, seconds: float = 60.0, clock=time.monotonic):
        super().__init__()
        self.seconds, self.clock = seconds, clock
        self.last_shown: dict[tuple[str, object], float] = {}

    def filter(self, record: logging.LogRecord) -> bool:
        key, now = (record.name, record.msg), self.clock()
        shown = self.last_shown.get(key)
        if shown is not None and now - shown < self.seconds:
            return False
        self.last_shown[key] = now
        return True
