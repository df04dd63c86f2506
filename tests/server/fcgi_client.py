#!/usr/bin/env python3
"""fcgi_client.py: a small FastCGI client for the server tests.

  fcgi_client.py seeds DIR              write the fuzz seed corpus to DIR
  fcgi_client.py mutate SEEDS OUT N     write N mutated inputs (fixed seed)
  fcgi_client.py flood SOCKET N         N connections of malformed input
  fcgi_client.py get SOCKET PATH...     one request per PATH, each on its own
                                        connection; prints status and body
  fcgi_client.py values SOCKET          GET_VALUES; prints the reply pairs
  fcgi_client.py stall SOCKET PATH N WAIT
                                        N connections each ask for PATH and
                                        read nothing for WAIT seconds; then
                                        prints how many responses the
                                        server cut short
  fcgi_client.py queued SOCKET FIRST PATH N GO [probe]
                                        FIRST takes the only thread, then N
                                        requests wait in the socket's queue
                                        while the test stops the server (it
                                        waits for the file GO); prints each
                                        one's status
  fcgi_client.py shapes SOCKET          one connection per request shape
                                        (whole, trickled, kept, pipelined,
                                        a body, a body over the limit);
                                        prints one line for each

SOCKET is a unix socket path or HOST:PORT.
"""
import os
import random
import re
import socket
import struct
import sys
import time

BEGIN, ABORT, END, PARAMS, STDIN, STDOUT, STDERR, DATA, GET_VALUES, \
    GET_VALUES_RESULT, UNKNOWN_TYPE = range(1, 12)


def record(rtype, rid, content=b"", pad=None, version=1):
    if pad is None:
        pad = (8 - len(content) % 8) % 8
    return struct.pack(">BBHHBB", version, rtype, rid, len(content), pad, 0) \
        + content + b"\0" * pad


def length(n):
    return bytes([n]) if n < 128 else struct.pack(">I", n | 0x80000000)


def pairs(items):
    out = b""
    for k, v in items:
        out += length(len(k)) + length(len(v)) + k + v
    return out


def begin(rid=1, keep=False, role=1):
    return record(BEGIN, rid, struct.pack(">HB5x", role, 1 if keep else 0))


def request(path, rid=1, keep=False, method=b"GET", body=b"",
            ctype=b"application/octet-stream"):
    env = [(b"REQUEST_METHOD", method), (b"SCRIPT_NAME", b""),
           (b"DOCUMENT_URI", path), (b"REQUEST_URI", path),
           (b"QUERY_STRING", b""), (b"SERVER_PROTOCOL", b"HTTP/1.1"),
           (b"GATEWAY_INTERFACE", b"CGI/1.1"), (b"HTTP_HOST", b"test")]
    if body:
        env.append((b"CONTENT_LENGTH", str(len(body)).encode()))
        env.append((b"CONTENT_TYPE", ctype))
    out = begin(rid, keep) + record(PARAMS, rid, pairs(env)) + record(PARAMS, rid)
    for i in range(0, len(body), 65528):
        out += record(STDIN, rid, body[i:i + 65528])
    return out + record(STDIN, rid)


def connect(addr, timeout=None):
    """Connects to a unix socket path or HOST:PORT; timeout bounds the
    connect itself (None: wait as the system does)."""
    if "/" in addr or ":" not in addr:
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(timeout)
        s.connect(addr)
    else:
        host, port = addr.rsplit(":", 1)
        s = socket.create_connection((host or "127.0.0.1", int(port)),
                                     timeout=timeout)
    s.settimeout(10)
    return s


def read_records(s, rid):
    """Reads until END_REQUEST for rid; returns (stdout bytes, records)."""
    buf, out, seen = b"", b"", []
    while True:
        while len(buf) >= 8:
            _, t, r, n, p, _ = struct.unpack(">BBHHBB", buf[:8])
            if len(buf) < 8 + n + p:
                break
            content, buf = buf[8:8 + n], buf[8 + n + p:]
            seen.append((t, r, content))
            if t == STDOUT and r == rid:
                out += content
            if t == END and r == rid:
                return out, seen
        chunk = s.recv(65536)
        if not chunk:
            return out, seen
        buf += chunk


def seeds(directory):
    os.makedirs(directory, exist_ok=True)
    cases = {
        "get": request(b"/"),
        "keep-two": request(b"/", keep=True) + request(b"/json", keep=True),
        "post": request(b"/echo", method=b"POST", body=b"a=1&b=2"),
        "values": record(GET_VALUES, 0, pairs([(b"FCGI_MAX_CONNS", b""),
                                                (b"FCGI_MPXS_CONNS", b""),
                                                (b"OTHER", b"")])),
        "unknown-type": record(42, 0, b"x" * 3) + record(STDERR, 1, b"x"),
        "bad-version": record(BEGIN, 1, b"\0\1\0\0\0\0\0\0", version=2),
        "begin-id0": begin(0),
        "begin-short": record(BEGIN, 1, b"\0\1"),
        "mpx": begin(1) + begin(2) + begin(1),
        "role": begin(1, role=3) + begin(2, keep=True, role=2),
        "abort": begin(1) + record(PARAMS, 1, pairs([(b"A", b"b")])) + record(ABORT, 1),
        "params-overrun": begin(1) + record(PARAMS, 1, b"\x05\x7fABC") + record(PARAMS, 1),
        "params-huge-len": begin(1) + record(PARAMS, 1, b"\xff\xff\xff\xff\x01AB") + record(PARAMS, 1),
        "params-eq-name": begin(1) + record(PARAMS, 1, pairs([(b"A=B", b"c")])) + record(PARAMS, 1),
        "params-flood": begin(1) + record(PARAMS, 1, b"\x01\x7f" + b"a" * 128) * 64,
        "stdin-early": begin(1) + record(STDIN, 1, b"x"),
        "too-large": begin(1) + record(PARAMS, 1, pairs([(b"CONTENT_LENGTH", b"99999999")]))
        + record(PARAMS, 1) + record(STDIN, 1, b"y" * 100) + record(STDIN, 1),
        "bad-cl": begin(1) + record(PARAMS, 1, pairs([(b"CONTENT_LENGTH", b"-5")]))
        + record(PARAMS, 1) + record(STDIN, 1, b"zz") + record(STDIN, 1),
        "padding": record(GET_VALUES, 0, b"", pad=255) + request(b"/x"),
        "truncated": request(b"/")[:21],
    }
    for i, (name, data) in enumerate(sorted(cases.items())):
        # The first byte is the harness's read size; vary it per seed.
        with open(os.path.join(directory, name), "wb") as f:
            f.write(bytes([(i * 37) % 256]) + data)


def mutate(seed_dir, out_dir, n):
    rng = random.Random(7)
    os.makedirs(out_dir, exist_ok=True)
    corpus = [open(os.path.join(seed_dir, f), "rb").read()
              for f in sorted(os.listdir(seed_dir))]
    for i in range(n):
        data = bytearray(rng.choice(corpus))
        for _ in range(rng.randint(1, 8)):
            op = rng.randrange(4)
            pos = rng.randrange(len(data)) if data else 0
            if op == 0 and data:
                data[pos] = rng.randrange(256)
            elif op == 1:
                data[pos:pos] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 16)))
            elif op == 2 and data:
                del data[pos:pos + rng.randint(1, 16)]
            else:
                data += rng.choice(corpus)[1:]
        with open(os.path.join(out_dir, "m%04d" % i), "wb") as f:
            f.write(bytes(data))


def flood(addr, n):
    """Sends malformed input on n connections; the server must survive."""
    rng = random.Random(11)
    garbage = [
        b"GET / HTTP/1.1\r\nHost: x\r\n\r\n",                 # not FastCGI at all
        record(BEGIN, 1, b"\0\1\0\0\0\0\0\0", version=9),       # bad version
        begin(0),                                               # id 0
        begin(1) + record(PARAMS, 1, b"\xff\xff\xff\xff\x01A") + record(PARAMS, 1),
        begin(1) + record(PARAMS, 1, b"\x01\x7f" + b"a" * 200) * 2000,  # > limit
        begin(1) + record(STDIN, 1, b"early"),
        begin(1) + record(PARAMS, 1, pairs([(b"REQUEST_METHOD", b"GET")])),  # then cut
        struct.pack(">BBHHBB", 1, PARAMS, 1, 65535, 255, 0) + b"x" * 100,    # cut mid-record
        begin(1) + begin(1),                                    # id reused
        record(77, 0, b"?") * 500,                              # unknown types
        begin(1, role=2),                                       # authorizer role
        begin(1) + record(PARAMS, 1, pairs([(b"CONTENT_LENGTH", b"99999999999")]))
        + record(PARAMS, 1) + record(STDIN, 1, b"z" * 4000),
    ]
    sent = 0
    for i in range(n):
        data = garbage[i % len(garbage)]
        if i >= len(garbage):
            data = bytes(rng.randrange(256) for _ in range(rng.randint(1, 300)))
        try:
            s = connect(addr)
            s.sendall(data)
            s.shutdown(socket.SHUT_WR) if i % 3 else None
            s.settimeout(0.5)
            try:
                s.recv(65536)
            except (socket.timeout, OSError):
                pass
            s.close()
            sent += 1
        except OSError:
            pass
    print("sent %d malformed connections" % sent)


def get(addr, path):
    s = connect(addr)
    s.sendall(request(path.encode()))
    out, _ = read_records(s, 1)
    s.close()
    sys.stdout.write(out.decode("utf-8", "replace"))


def values(addr):
    s = connect(addr)
    s.sendall(record(GET_VALUES, 0, pairs([(b"FCGI_MAX_CONNS", b""),
                                            (b"FCGI_MAX_REQS", b""),
                                            (b"FCGI_MPXS_CONNS", b"")]))
              + record(99, 0, b""))
    buf = b""
    while len(buf) < 32:
        chunk = s.recv(4096)
        if not chunk:
            break
        buf += chunk
    s.close()
    while len(buf) >= 8:
        _, t, _, n, p, _ = struct.unpack(">BBHHBB", buf[:8])
        content, buf = buf[8:8 + n], buf[8 + n + p:]
        if t == GET_VALUES_RESULT:
            i = 0
            while i < len(content):
                kl, vl = content[i], content[i + 1]
                print("%s=%s" % (content[i + 2:i + 2 + kl].decode(),
                                 content[i + 2 + kl:i + 2 + kl + vl].decode()))
                i += 2 + kl + vl
        elif t == UNKNOWN_TYPE:
            print("UNKNOWN_TYPE=%d" % content[0])


def stall(addr, path, n, wait):
    """A peer that never reads: the server must drop it (--write-timeout)."""
    conns = []
    for _ in range(n):
        s = connect(addr)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        s.sendall(request(path.encode()))
        conns.append(s)
    time.sleep(wait)
    cut = 0
    for s in conns:
        s.settimeout(5)
        try:
            _, seen = read_records(s, 1)
            if not any(t == END for t, _, _ in seen):
                cut += 1
        except (ConnectionResetError, socket.timeout):
            cut += 1
        s.close()
    print(cut)


def status_of(out, seen):
    """The response's status: its Status header, else 200 when it ended."""
    m = re.search(rb"^Status: (\d+)", out, re.M)
    if m:
        return m.group(1).decode()
    return "200" if any(t == END for t, _, _ in seen) else "none"


def closed_after(s):
    """Whether the server closed the connection (EOF within 2 s)."""
    s.settimeout(2)
    try:
        return s.recv(1) == b""
    except socket.timeout:
        return False
    except ConnectionResetError:
        return "reset"


def read_ends(s, rids):
    """Reads until END_REQUEST for every id in rids; returns their protocol
    statuses and STDOUT by id."""
    buf, outs, ends = b"", {r: b"" for r in rids}, {}
    while len(ends) < len(rids):
        chunk = s.recv(65536)
        if not chunk:
            break
        buf += chunk
        while len(buf) >= 8:
            _, t, r, n, p, _ = struct.unpack(">BBHHBB", buf[:8])
            if len(buf) < 8 + n + p:
                break
            content, buf = buf[8:8 + n], buf[8 + n + p:]
            if t == STDOUT and r in outs:
                outs[r] += content
            if t == END and r in outs:
                ends[r] = content[4]
    return ends, outs


def shapes(addr):
    """A request arrives whole, in pieces slower than a thread waits, on a
    kept connection, pipelined behind another, with a body, or with a body
    over the app's limit: each is answered, and a connection is closed
    exactly when the request did not ask to keep it."""
    # Whole, not kept: answered, then closed with a FIN.
    s = connect(addr)
    s.sendall(request(b"/json"))
    out, seen = read_records(s, 1)
    print("whole %s %s" % (status_of(out, seen),
                           "closed" if closed_after(s) is True else "open"))
    s.close()
    # Trickled: three pieces 100 ms apart.
    data = request(b"/json")
    s = connect(addr)
    for part in (data[:5], data[5:40], data[40:]):
        s.sendall(part)
        time.sleep(0.1)
    out, seen = read_records(s, 1)
    print("trickled %s %s" % (status_of(out, seen),
                              "closed" if closed_after(s) is True else "open"))
    s.close()
    # Kept: three requests one after the other on one connection.
    s = connect(addr)
    got = []
    for rid in (1, 2, 3):
        s.sendall(request(b"/json", rid=rid, keep=True))
        out, seen = read_records(s, rid)
        got.append(status_of(out, seen))
    print("kept %s %s" % (" ".join(got),
                          "closed" if closed_after(s) is True else "open"))
    s.close()
    # Pipelined: a second request written behind the first, before its
    # answer, is refused (no multiplexing: FCGI_CANT_MPX_CONN) and the
    # first is answered; then a third, in turn, is served.
    s = connect(addr)
    s.sendall(request(b"/json", rid=1, keep=True) +
              request(b"/greet/ada", rid=2, keep=True))
    ends, outs = read_ends(s, (1, 2))
    s.sendall(request(b"/greet/ada", rid=3, keep=True))
    third_out, _ = read_records(s, 3)
    print("pipelined %s %s %s" % (
        "200" if ends.get(1) == 0 and b"Hello" in outs[1] else "none",
        "refused" if ends.get(2) == 1 else "not-refused",
        "ada" if b"ada" in third_out else "none"))
    s.close()
    # A 60 KB JSON body, echoed.
    text = bytes(random.Random(7).randrange(97, 123) for _ in range(60000))
    s = connect(addr)
    s.sendall(request(b"/echo", method=b"POST", body=b'{"t":"' + text + b'"}',
                      ctype=b"application/json"))
    out, seen = read_records(s, 1)
    print("body %s %s" % (status_of(out, seen),
                          "echoed" if text in out else "lost"))
    s.close()
    # A 300 KB body over the app's 64 KiB limit: 413, no reset.
    body = b"x" * 300000
    s = connect(addr)
    s.sendall(request(b"/echo", method=b"POST", body=body))
    out, seen = read_records(s, 1)
    c = closed_after(s)
    print("over %s %s" % (status_of(out, seen),
                          "reset" if c == "reset" else
                          "closed" if c else "open"))
    s.close()


def queued(addr, first, path, n, go_file, probe):
    """Asks for first (a long request that takes the server's only thread),
    then opens n connections and writes a whole request on each (they wait
    in the listening socket's queue), creates go_file so that the test
    stops the server, then reads each answer: prints one status a line
    ("200", or "reset" / "no answer"). With probe set, also tries one more
    connection once the stop began: prints "probe refused" or "probe not
    answered" (the door is closed), or "probe connected". Last, the first
    request's status: "first 200"."""
    head = connect(addr)
    head.sendall(request(first.encode()))
    time.sleep(0.3)
    conns = []
    for _ in range(n):
        s = connect(addr)
        s.sendall(request(path.encode()))
        conns.append(s)
    open(go_file, "w").close()
    if probe:
        time.sleep(0.3)
        try:
            p = connect(addr, timeout=1)
            print("probe connected")
            p.close()
        except ConnectionRefusedError:
            print("probe refused")
        except socket.timeout:
            print("probe not answered")
    for s in conns:
        try:
            out, seen = read_records(s, 1)
            if any(t == END for t, _, _ in seen):
                m = re.search(rb"^Status: (\d+)", out, re.M)
                print(m.group(1).decode() if m else "200")
            else:
                print("no answer")
        except (ConnectionResetError, socket.timeout):
            print("reset")
        s.close()
    out, seen = read_records(head, 1)
    m = re.search(rb"^Status: (\d+)", out, re.M)
    print("first " + (m.group(1).decode() if m else
                      "200" if any(t == END for t, _, _ in seen) else "none"))
    head.close()


if __name__ == "__main__":
    cmd = sys.argv[1]
    if cmd == "seeds":
        seeds(sys.argv[2])
    elif cmd == "mutate":
        mutate(sys.argv[2], sys.argv[3], int(sys.argv[4]))
    elif cmd == "flood":
        flood(sys.argv[2], int(sys.argv[3]))
    elif cmd == "get":
        for i, p in enumerate(sys.argv[3:]):
            if i > 0:
                sys.stdout.write("\n")
            get(sys.argv[2], p)
    elif cmd == "values":
        values(sys.argv[2])
    elif cmd == "queued":
        queued(sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5]),
               sys.argv[6], len(sys.argv) > 7 and sys.argv[7] == "probe")
    elif cmd == "shapes":
        shapes(sys.argv[2])
    elif cmd == "stall":
        stall(sys.argv[2], sys.argv[3], int(sys.argv[4]), float(sys.argv[5]))
    else:
        sys.exit(__doc__)
