"""A minimal PostgreSQL wire-protocol client, for checks below what drivers show: exact message
sequences, transaction status bytes, and malformed input."""
import socket
import struct


class Message:
    def __init__(self, kind, body):
        self.kind = kind
        self.body = body

    def fields(self):
        """ErrorResponse / NoticeResponse fields as {code_char: text}."""
        out = {}
        for part in self.body.split(b"\0"):
            if part:
                out[chr(part[0])] = part[1:].decode()
        return out

    def __repr__(self):
        return f"Message({self.kind!r}, {self.body[:40]!r})"


class Wire:
    def __init__(self, port, timeout=10, source=None):
        """`source`: the local address to connect from (another loopback address, say)."""
        self.sock = socket.create_connection(
            ("127.0.0.1", port), timeout=timeout, source_address=(source, 0) if source else None
        )
        self.buf = b""

    def send_raw(self, data):
        self.sock.sendall(data)

    def startup(self, user="duckdb", password="pw", **params):
        params = {"user": user, "database": "memory", **params}
        body = struct.pack("!I", 196608)
        for k, v in params.items():
            body += k.encode() + b"\0" + v.encode() + b"\0"
        body += b"\0"
        self.send_raw(struct.pack("!I", len(body) + 4) + body)
        msg = self.read()
        if msg.kind == "R" and struct.unpack("!I", msg.body[:4])[0] == 3:
            self.send_message("p", password.encode() + b"\0")
        else:
            return [msg]
        return self.read_until("Z")

    def send_message(self, kind, body=b""):
        self.send_raw(kind.encode() + struct.pack("!I", len(body) + 4) + body)

    def query(self, sql):
        self.send_message("Q", sql.encode() + b"\0")
        return self.read_until("Z")

    def _fill(self, n):
        while len(self.buf) < n:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("server closed the connection")
            self.buf += chunk

    def read(self):
        self._fill(5)
        kind = chr(self.buf[0])
        length = struct.unpack("!I", self.buf[1:5])[0]
        self._fill(1 + length)
        body = self.buf[5 : 1 + length]
        self.buf = self.buf[1 + length :]
        return Message(kind, body)

    def read_until(self, kind):
        messages = []
        while True:
            msg = self.read()
            messages.append(msg)
            if msg.kind == kind or (msg.kind == "E" and msg.fields().get("S") == "FATAL"):
                return messages

    def closed_by_server(self):
        """True when the server has closed (EOF, possibly after a final message)."""
        try:
            while True:
                chunk = self.sock.recv(65536)
                if not chunk:
                    return True
        except (ConnectionResetError, BrokenPipeError):
            return True
        except socket.timeout:
            return False

    def close(self):
        try:
            self.send_message("X")
        except OSError:
            pass
        self.sock.close()


def kinds(messages):
    return "".join(m.kind for m in messages)


def status(messages):
    """The transaction status byte of the final ReadyForQuery."""
    assert messages[-1].kind == "Z", messages
    return chr(messages[-1].body[0])
