#!/usr/bin/env python3
"""Checks that the top-level modules of a crate do not import each other in a circle.

usage: scripts/module_cycles.py CRATE_SRC_DIR [--graph]

A module's edges are the `crate::<other>` paths in its files (comments and `#[cfg(test)]` modules
left out: tests may reach anywhere). Prints the cycles found (exit 1) or, with --graph, the
layered graph (exit 0 when acyclic).
"""
import os
import re
import sys


def top_modules(src):
    mods = {}
    for name in sorted(os.listdir(src)):
        path = os.path.join(src, name)
        if name in ('lib.rs', 'main.rs'):
            continue
        if os.path.isdir(path):
            files = [os.path.join(dp, f) for dp, _, fs in os.walk(path) for f in fs if f.endswith('.rs')]
            mods[name] = files
        elif name.endswith('.rs'):
            mods[name[:-3]] = [path]
    return mods


def code_of(path):
    text = open(path, encoding='utf-8').read()
    m = re.search(r'\n#\[cfg\(test\)\]\s*\n\s*(pub(\(crate\))? )?mod \w+ \{', text)
    if m:
        text = text[:m.start()]
    return '\n'.join(l.split('//')[0] for l in text.split('\n'))


def edges(mods):
    out = {m: set() for m in mods}
    for m, files in mods.items():
        for f in files:
            code = code_of(f)
            for other in re.findall(r'crate::([a-z_][a-z0-9_]*)', code):
                if other != m and other in mods:
                    out[m].add(other)
            for group in re.findall(r'crate::\{([^}]*)\}', code):
                for other in re.findall(r'(?:^|,)\s*([a-z_][a-z0-9_]*)', group):
                    if other != m and other in mods:
                        out[m].add(other)
    return out


def cycles(graph):
    found, state, stack = [], {}, []

    def visit(n):
        state[n] = 1
        stack.append(n)
        for d in sorted(graph[n]):
            if state.get(d) == 1:
                found.append(stack[stack.index(d):] + [d])
            elif d not in state:
                visit(d)
        stack.pop()
        state[n] = 2

    for n in sorted(graph):
        if n not in state:
            visit(n)
    return found


def main():
    src = sys.argv[1]
    graph = edges(top_modules(src))
    found = cycles(graph)
    if '--graph' in sys.argv or found:
        for m in sorted(graph):
            print(f'{m} -> {", ".join(sorted(graph[m])) or "(nothing)"}')
    for c in found:
        print('cycle: ' + ' -> '.join(c), file=sys.stderr)
    if found:
        print(f'error: {src}: {len(found)} import cycle(s) among top-level modules', file=sys.stderr)
        return 1
    print(f'ok: {src}: no import cycles among {len(graph)} top-level modules')
    return 0


if __name__ == '__main__':
    sys.exit(main())
