#!/usr/bin/env python3
"""p50 and p99 latency of signed-in pages of a running Centric (`serve --demo`).

Usage: scripts/page-latency.py [--base http://127.0.0.1:3000] [--requests 100] PATH...
Signs in as the demo CX lead, requests each path N times (default 100) after 5 warm-up requests.
One client, sequential: a latency figure, not a throughput one (scripts/bench is for that).
"""
import urllib.request, urllib.parse, http.cookiejar, time, statistics, sys

args = sys.argv[1:]
base, requests = "http://127.0.0.1:3000", 100
while args[:1] in (["--base"], ["--requests"]):
    if args[0] == "--base":
        base = args[1]
    else:
        requests = max(2, int(args[1]))
    args = args[2:]
jar = http.cookiejar.CookieJar()
opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
opener.open(base + "/login").read()
form = {"email": "cx@demo.centric", "password": "centric-demo-2026"}
opener.open(base + "/login", urllib.parse.urlencode(form).encode()).read()
for path in args:
    for _ in range(5):
        opener.open(base + path).read()
    times = []
    for _ in range(requests):
        start = time.perf_counter()
        response = opener.open(base + path)
        response.read()
        times.append((time.perf_counter() - start) * 1000)
    p99 = statistics.quantiles(times, n=100)[98]
    print(f"{path}: p50 {statistics.median(times):.0f} ms, p99 {p99:.0f} ms, "
          f"max {max(times):.0f} ms, n {requests}, status {response.status}")
