#!/usr/bin/env python3
"""p50 and max latency of signed-in pages of a running Centric (`serve --demo`).

Usage: scripts/page-latency.py [--base http://127.0.0.1:3000] PATH...
Signs in as the demo CX lead, requests each path 25 times and drops the first 3 (warm-up).
One client, sequential: a latency figure, not a throughput one (scripts/bench is for that).
"""
import urllib.request, urllib.parse, http.cookiejar, time, statistics, sys
args = sys.argv[1:]
B = "http://127.0.0.1:3000"
if args[:1] == ["--base"]:
    B, args = args[1], args[2:]
cj=http.cookiejar.CookieJar()
op=urllib.request.build_opener(urllib.request.HTTPCookieProcessor(cj))
op.open(B+"/login").read()
op.open(B+"/login", urllib.parse.urlencode({"email":"cx@demo.centric","password":"centric-demo-2026"}).encode()).read()
for path in args:
    ts=[]
    for i in range(25):
        t=time.perf_counter(); r=op.open(B+path); r.read(); ts.append((time.perf_counter()-t)*1000)
    ts=ts[3:]
    print(f"{path}: p50 {statistics.median(ts):.0f} ms, max {max(ts):.0f} ms, status {r.status}")
