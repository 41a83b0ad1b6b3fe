"""A minimal IMAP server over TLS on loopback, for the bounce mailbox tests (no IMAP server is
installed here): LOGIN, SELECT, UID SEARCH/FETCH/STORE, EXPUNGE, LOGOUT, one mailbox in memory."""

import re
import socketserver
import ssl
import threading
from dataclasses import dataclass, field


@dataclass
class Mailbox:
    user: str
    password: str
    messages: dict[int, bytes] = field(default_factory=dict)
    deleted: set[int] = field(default_factory=set)
    next_uid: int = 1

    def deliver(self, raw: bytes) -> None:
        self.messages[self.next_uid] = raw
        self.next_uid += 1


class _Session(socketserver.StreamRequestHandler):
    def reply(self, text: str | bytes) -> None:
        self.wfile.write(text if isinstance(text, bytes) else text.encode())

    def handle(self) -> None:
        box: Mailbox = self.server.mailbox  # type: ignore[attr-defined]
        self.reply("* OK fake IMAP ready\r\n")
        while line := self.rfile.readline():
            tag, _, rest = line.decode().rstrip("\r\n").partition(" ")
            command, _, args = rest.partition(" ")
            command = command.upper()
            if command == "UID":
                command, _, args = args.partition(" ")
                command = "UID " + command.upper()
            if command == "CAPABILITY":
                self.reply(f"* CAPABILITY IMAP4rev1\r\n{tag} OK done\r\n")
            elif command == "LOGIN":
                user, password = (a.strip('"') for a in args.split(" ", 1))
                ok = (user, password) == (box.user, box.password)
                self.reply(f"{tag} OK logged in\r\n" if ok else f"{tag} NO wrong password\r\n")
            elif command == "SELECT":
                self.reply(f"* {len(box.messages)} EXISTS\r\n{tag} OK [READ-WRITE] done\r\n")
            elif command == "UID SEARCH":
                live = " ".join(str(u) for u in sorted(box.messages) if u not in box.deleted)
                self.reply(f"* SEARCH {live}\r\n{tag} OK done\r\n")
            elif command == "UID FETCH":
                uid = int(args.split(" ", 1)[0])
                raw = box.messages[uid]
                head = f"* {uid} FETCH (UID {uid} BODY[] {{{len(raw)}}}\r\n".encode()
                self.reply(head + raw + f")\r\n{tag} OK done\r\n".encode())
            elif command == "UID STORE":
                uid = int(args.split(" ", 1)[0])
                if re.search(r"\\Deleted", args):
                    box.deleted.add(uid)
                self.reply(f"{tag} OK done\r\n")
            elif command == "EXPUNGE":
                for uid in box.deleted:
                    box.messages.pop(uid, None)
                box.deleted.clear()
                self.reply(f"{tag} OK done\r\n")
            elif command == "LOGOUT":
                self.reply(f"* BYE\r\n{tag} OK bye\r\n")
                return
            else:
                self.reply(f"{tag} BAD unknown command\r\n")


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, mailbox: Mailbox, context: ssl.SSLContext):
        super().__init__(("127.0.0.1", 0), _Session)
        self.mailbox, self.context = mailbox, context

    def get_request(self):
        sock, address = super().get_request()
        return self.context.wrap_socket(sock, server_side=True), address


def start(mailbox: Mailbox, context: ssl.SSLContext) -> _Server:
    """Serving on a free port (`server.server_address[1]`) until `shutdown()`."""
    server = _Server(mailbox, context)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server
