"""A small authoritative DNS responder for the system tests: UDP on 127.0.0.1,
standard library only, in a thread of its own. It answers from `zones`, a table
name -> {qtype: [rdata bytes]} that a test may change while it runs; names not in
the table are NXDOMAIN, names in `silent` are never answered. Just enough of RFC 1035
for c-ares: one question, answers pointing at it.

    with DnsResponder({"example.net": {TXT: [txt_rdata("v=spf1 -all")]}}) as dns:
        env = {"BROADSHEET_MAIL_DNS_SERVERS": dns.address}
"""

from __future__ import annotations

import socketserver
import struct
import threading

A, MX, TXT, AAAA = 1, 15, 16, 28


def txt_rdata(text: str) -> bytes:
    """One TXT record: the text as character-strings of at most 255 bytes."""
    raw = text.encode("ascii")
    chunks = [raw[k:k + 255] for k in range(0, len(raw), 255)] or [b""]
    return b"".join(bytes([len(c)]) + c for c in chunks)


def answer(query: bytes, zones: dict, silent=()) -> bytes | None:
    """The reply to one DNS query, or None to stay silent."""
    if len(query) < 12 or query[4:6] != b"\x00\x01":
        return None
    labels, i = [], 12
    while i < len(query) and query[i] != 0:
        n = query[i]
        labels.append(query[i + 1:i + 1 + n].decode("ascii", "replace").lower())
        i += 1 + n
    end = i + 5
    if end > len(query):
        return None
    name = ".".join(labels)
    qtype = struct.unpack(">H", query[i + 1:i + 3])[0]
    if name in silent:
        return None
    zone = zones.get(name)
    records = zone.get(qtype, []) if zone is not None else []
    rcode = 0 if zone is not None else 3  # NXDOMAIN
    flags = 0x8480 | (query[2] & 0x01) << 8 | rcode  # QR, AA, RD copied, RA
    out = query[:2] + struct.pack(">HHHHH", flags, 1, len(records), 0, 0) + query[12:end]
    for rdata in records:
        out += struct.pack(">HHHIH", 0xC00C, qtype, 1, 300, len(rdata)) + rdata
    return out


class _Handler(socketserver.BaseRequestHandler):
    def handle(self):
        data, sock = self.request
        self.server.responder.queries.append(data)
        reply = answer(data, self.server.responder.zones, self.server.responder.silent)
        if reply is not None:
            sock.sendto(reply, self.client_address)


class DnsResponder:
    def __init__(self, zones: dict | None = None, silent=()):
        self.zones = zones if zones is not None else {}
        self.silent = set(silent)
        self.queries: list[bytes] = []
        self._server = socketserver.ThreadingUDPServer(("127.0.0.1", 0), _Handler)
        self._server.responder = self
        self._thread = threading.Thread(target=self._server.serve_forever,
                                        kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()

    @property
    def address(self) -> str:
        """"127.0.0.1:PORT", as mail.dns_servers takes it."""
        return f"127.0.0.1:{self._server.server_address[1]}"

    def close(self):
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> DnsResponder:
        return self

    def __exit__(self, *exc):
        self.close()
