#!/usr/bin/env python3
# One-off helper for issue 14 (the Stage enum): rewrites literal "X stage" strings; see its docstring.
"""Replace literal "X stage" strings in non-test Rust code by the Stage enum.
usage: stage.py [--dry] FILE...  (prints unconverted sites)"""
import re, sys
STAGES = ['config','load','projection','train','encode','search','metrics','verdict','export','output','run','decode','ground-truth','interop']
def variant(s): return ''.join(p.capitalize() for p in s.split('-'))
lit = re.compile(r'"((' + '|'.join(STAGES) + r') stage)(:?)')
PRE = re.compile(r'(format!\(|bail!\(|anyhow!\(|context\(|ensure!\([^;]*?,)\s*$', re.S)
dry = sys.argv[1] == '--dry'
files = sys.argv[2:] if dry else sys.argv[1:]
for p in files:
    src = open(p).read()
    cut = len(src)
    m = re.search(r'\n#\[cfg\(test\)\]\n(pub )?mod ', src)
    if m: cut = m.start()
    head, tail = src[:cut], src[cut:]
    out = []; i = 0; changed = 0
    for m in lit.finditer(head):
        s = m.start()
        before = head[max(0, s-200):s]
        stage = m.group(2); colon = m.group(3)
        # find end of literal
        j = m.end()
        while True:
            if head[j] == '\\': j += 2; continue
            if head[j] == '"': break
            j += 1
        rest = head[m.end():j]  # text after "X stage[:]"
        pm = PRE.search(before)
        if not pm:
            print(f'{p}: unconverted (no format context): {head[s:j+1][:80]}')
            continue
        kind = pm.group(1)
        V = 'Stage::' + variant(stage)
        if kind == 'context(' and colon == '' and rest == '':
            out.append(head[i:s]); out.append(V); i = j + 1; changed += 1
            continue
        if kind == 'context(':
            # .context("X stage: literal") -> .with_context? keep simple: format!
            out.append(head[i:s]); out.append('format!("{}' + colon + rest + '", ' + V + ')'); i = j + 1; changed += 1
            continue
        if re.search(r'\{\d', rest):
            print(f'{p}: unconverted (positional index): {head[s:j+1][:80]}'); continue
        out.append(head[i:s]); out.append('"{}' + colon + rest + '", ' + V)
        # skip the closing quote; if next non-space char is ',' drop our trailing comma duplication
        k = j + 1
        nxt = head[k:].lstrip()
        if nxt.startswith(','):
            # "...", Stage::X, <args>  -> keep: we already emitted ', V'; the existing ',' follows
            pass
        i = k; changed += 1
    out.append(head[i:])
    new = ''.join(out) + tail
    if changed and not dry:
        open(p, 'w').write(new)
    print(f'{p}: {changed} converted')
