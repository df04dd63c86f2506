#!/usr/bin/env python3
"""A bounded write load for the fault and scale-out tests.

    load.py URL SECONDS THREADS OUT [TAG] [COOKIE] [METHOD]

Each of THREADS threads POSTs {"title": "TAG-THREAD-N", "content": "x"} to
URL (e.g. http://127.0.0.1:PORT/posts) one request after another until
SECONDS have passed, each with a 10-second timeout; with COOKIE, that
Cookie header goes with every request; with METHOD GET, it GETs URL
instead (no body). Every request becomes one line of OUT: "STATUS
MILLISECONDS TITLE SECONDS-SINCE-START" (status 0: no answer). Stops by
itself after SECONDS, or earlier once the file named by $LOAD_STOP_FILE
exists.
"""
import http.client
import json
import os
import sys
import threading
import time
import urllib.parse


def worker(url, deadline, thread, tag, cookie, method, lines, lock):
    u = urllib.parse.urlsplit(url)
    n = 0
    stop_file = os.environ.get("LOAD_STOP_FILE")
    while time.monotonic() < deadline and not (stop_file and os.path.exists(stop_file)):
        title = "%s-%d-%d" % (tag, thread, n)
        n += 1
        body = json.dumps({"title": title, "content": "x"}) if method == "POST" else None
        headers = {"Content-Type": "application/json"} if body else {}
        if cookie:
            headers["Cookie"] = cookie
        start = time.monotonic()
        status = 0
        try:
            c = http.client.HTTPConnection(u.hostname, u.port, timeout=10)
            c.request(method, u.path, body, headers)
            r = c.getresponse()
            r.read()
            status = r.status
            c.close()
        except (OSError, http.client.HTTPException):
            status = 0
        ms = (time.monotonic() - start) * 1000
        with lock:
            lines.append("%d %.1f %s %.3f" % (status, ms, title, start - BEGIN))
        if status == 0 or status >= 500:
            time.sleep(0.02)  # no busy spin while the service is down


BEGIN = time.monotonic()


def main():
    if len(sys.argv) < 5:
        sys.exit("usage: load.py URL SECONDS THREADS OUT [TAG] [COOKIE] [METHOD]")
    url, seconds, threads, out = sys.argv[1], float(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
    tag = sys.argv[5] if len(sys.argv) > 5 else "w"
    cookie = sys.argv[6] if len(sys.argv) > 6 else ""
    method = sys.argv[7] if len(sys.argv) > 7 else "POST"
    deadline = time.monotonic() + seconds
    lines, lock = [], threading.Lock()
    ts = [threading.Thread(target=worker, args=(url, deadline, i, tag, cookie, method, lines, lock))
          for i in range(threads)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    with open(out, "w") as f:
        f.write("\n".join(lines) + ("\n" if lines else ""))


if __name__ == "__main__":
    main()
