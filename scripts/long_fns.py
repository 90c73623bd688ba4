#!/usr/bin/env python3
"""List Rust functions longer than N lines (default 80) under the given dirs, tests excluded."""
import re, sys, os
N = 80
roots = sys.argv[1:] or ['formats/src', 'engine/src', 'host/src']
pat = re.compile(r'^\s*(pub(\([a-z]+\))?\s+)?(const\s+)?(unsafe\s+)?(extern\s+"C"\s+)?fn\s+([A-Za-z0-9_]+)')
for root in roots:
    for dp, _, fs in os.walk(root):
        for f in fs:
            if not f.endswith('.rs'): continue
            p = os.path.join(dp, f)
            lines = open(p).read().split('\n')
            # skip from '#[cfg(test)]' followed by mod
            end = len(lines)
            for i, l in enumerate(lines):
                if l.startswith('#[cfg(test)]') and i + 1 < len(lines) and 'mod ' in lines[i + 1]:
                    end = i; break
            i = 0
            while i < end:
                m = pat.match(lines[i])
                if m:
                    depth = 0; started = False; j = i
                    while j < end:
                        s = re.sub(r'"([^"\\]|\\.)*"', '""', lines[j])
                        s = re.sub(r"'([^'\\]|\\.)'", "''", s)
                        s = s.split('//')[0]
                        depth += s.count('{') - s.count('}')
                        if '{' in s: started = True
                        if started and depth <= 0: break
                        if not started and s.rstrip().endswith(';'): break
                        j += 1
                    n = j - i + 1
                    if n > N: print(f'{n:4d} {p}:{i+1} {m.group(6)}')
                    i = j + 1 if started else i + 1
                else:
                    i += 1
