#!/usr/bin/env python3
"""layering.py SRCDIR: checks the module rules on the include graph.

Every #include of the library's sources (framework/, db/, templates/,
session/, handlers/, util/) is resolved the way the compiler does it (the
including file's folder, then the -I folders of Makefile.am); system
headers are left out. Then:

  1. no file of the framework core, framework/http/, db/ or templates/
     includes a handlers/ header;
  2. db/ and templates/ include nothing from framework/ or session/;
  3. framework/http/ includes nothing from the core (core.h, dbset.h),
     framework/server/ or framework/cli/ (sextant.h and the log module
     log.h are shared);
  4. handlers/ includes only the public headers;
  5. util/ includes only util/;
  6. no file includes itself through other files (no include circle).

Each broken rule is printed as FILE:LINE: what and why; the exit status is
1 when any rule is broken, 2 when the tree was not found.
"""
import os
import re
import sys

FOLDERS = ["framework", "db", "templates", "session", "handlers", "util"]
# The -I folders of Makefile.am's AM_CPPFLAGS, in order.
INCLUDE_PATH = ["util", "framework", "db", "templates", "session"]
PUBLIC = {"framework/sextant.h", "db/sx_db.h", "templates/sx_tpl.h",
          "util/sx_util.h"}
SHARED_CORE = {"framework/sextant.h", "framework/log.h", "framework/log.c"}
INCLUDE_RE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]')


def module(path):
    """The module a file belongs to: core, http, server, cli, or a
    top-level folder name."""
    parts = path.split("/")
    if parts[0] == "framework":
        if len(parts) > 2:
            return parts[1]
        return "core"
    return parts[0]


def resolve(src, including, quote, name):
    """The tree-relative path an #include names, or None (a system
    header)."""
    dirs = [os.path.dirname(including)] if quote == '"' else []
    for d in dirs + INCLUDE_PATH:
        cand = os.path.normpath(os.path.join(d, name))
        if os.path.isfile(os.path.join(src, cand)):
            return cand
    return None


def scan(src):
    """{file: [(line, included file)]} for every source of FOLDERS."""
    graph = {}
    for top in FOLDERS:
        for root, _, files in os.walk(os.path.join(src, top)):
            for f in sorted(files):
                if not f.endswith((".c", ".h")):
                    continue
                path = os.path.relpath(os.path.join(root, f), src)
                edges = []
                with open(os.path.join(src, path), encoding="utf-8") as fh:
                    for no, line in enumerate(fh, 1):
                        m = INCLUDE_RE.match(line)
                        if m:
                            target = resolve(src, path, m.group(1),
                                             m.group(2))
                            if target is not None:
                                edges.append((no, target))
                graph[path] = edges
    return graph


def rule_broken(path, target):
    """Why including target from path breaks a rule, or None."""
    frm, to = module(path), module(target)
    if frm in ("core", "http", "db", "templates") and to == "handlers":
        return "the core, http/, db/ and templates/ never use handlers/"
    if frm in ("db", "templates") and (target.startswith("framework/")
                                       or to == "session"):
        return "db/ and templates/ know nothing of the framework or sessions"
    if frm == "http" and (to in ("server", "cli") or
                          (to == "core" and target not in SHARED_CORE)):
        return ("http/ knows nothing of the core, the server or the "
                "commands (only sextant.h and log.h)")
    if frm == "handlers" and target not in PUBLIC:
        return "handlers/ use the public headers only: " + \
            ", ".join(sorted(os.path.basename(p) for p in PUBLIC))
    if frm == "util" and to != "util":
        return "util/ is the bottom layer: it includes only util/"
    return None


def find_cycle(graph):
    """One include circle as a list of files, or None."""
    state = {}

    def visit(node, stack):
        state[node] = 1
        stack.append(node)
        for _, nxt in graph.get(node, []):
            if state.get(nxt) == 1:
                return stack[stack.index(nxt):] + [nxt]
            if state.get(nxt) is None:
                found = visit(nxt, stack)
                if found:
                    return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if state.get(node) is None:
            found = visit(node, [])
            if found:
                return found
    return None


def main():
    src = sys.argv[1] if len(sys.argv) > 1 else "."
    graph = scan(src)
    n_edges = sum(len(e) for e in graph.values())
    if len(graph) < 20 or n_edges < 20:
        print("layering: found %d files and %d includes under %s; is it "
              "the source tree?" % (len(graph), n_edges, src))
        return 2
    broken = 0
    for path in sorted(graph):
        for no, target in graph[path]:
            why = rule_broken(path, target)
            if why:
                print("%s:%d: includes %s: %s" % (path, no, target, why))
                broken += 1
    cycle = find_cycle(graph)
    if cycle:
        print("include circle: " + " -> ".join(cycle))
        broken += 1
    print("layering: %d files, %d includes, %d rule(s) broken" %
          (len(graph), n_edges, broken))
    return 1 if broken else 0


if __name__ == "__main__":
    sys.exit(main())
