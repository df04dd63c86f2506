#!/usr/bin/env python3
"""post_load.py: a small parallel HTTP/1.1 keep-alive client for the server
tests. Sends N POST /users requests (examples/quickstart) over CONNS kept
connections and prints one line: "ok BAD TOTAL", where ok counts the 201
responses, BAD every other status or a connection error, TOTAL all sent.
With --until FILE it keeps sending until FILE exists (then stops), so a
test can run it for as long as it signals the server.

    post_load.py HOST PORT --requests 3000 --conns 8 [--prefix run1]
"""
import argparse
import http.client
import json
import os
import sys
import threading


def worker(args, idx, counts, lock, bad_lines):
    conn = None
    n = 0
    while True:
        with lock:
            if args.until:
                if os.path.exists(args.until):
                    return
            elif counts["total"] >= args.requests:
                return
            counts["total"] += 1
            seq = counts["total"]
        body = json.dumps({"name": "u%d" % seq,
                           "email": "%s-%d-%d@example.com" % (args.prefix, idx, n)})
        n += 1
        status = None
        try:
            if conn is None:
                conn = http.client.HTTPConnection(args.host, args.port, timeout=30)
            conn.request("POST", "/users", body,
                         {"Content-Type": "application/json"})
            resp = conn.getresponse()
            resp.read()
            status = resp.status
            if resp.getheader("Connection", "").lower() == "close":
                conn.close()
                conn = None
        except (OSError, http.client.HTTPException) as e:
            status = "error %s" % e
            if conn is not None:
                conn.close()
            conn = None
        with lock:
            if status == 201:
                counts["ok"] += 1
            else:
                counts["bad"] += 1
                if len(bad_lines) < 5:
                    bad_lines.append(str(status))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("host")
    p.add_argument("port", type=int)
    p.add_argument("--requests", type=int, default=2000)
    p.add_argument("--conns", type=int, default=8)
    p.add_argument("--prefix", default="load")
    p.add_argument("--until", default=None)
    args = p.parse_args()
    counts = {"ok": 0, "bad": 0, "total": 0}
    lock = threading.Lock()
    bad_lines = []
    threads = [threading.Thread(target=worker,
                                args=(args, i, counts, lock, bad_lines))
               for i in range(args.conns)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for line in bad_lines:
        print("bad response: %s" % line, file=sys.stderr)
    print("%d %d %d" % (counts["ok"], counts["bad"], counts["total"]))


if __name__ == "__main__":
    main()
