#!/usr/bin/env python
"""Benchmark (not a test): the portal's proof of work in Chromium.

    .venv/bin/python bench/portal_pow.py                 # bits 16 18 20, 12 challenges each
    .venv/bin/python bench/portal_pow.py --bits 18 --runs 30

Past the whole portal's hourly ceiling, the request form carries a challenge
that jiayuan/static/js/portal-pow.js answers before sending: a nonce such that
sha256("<prefix>:<nonce>") starts with PORTAL_POW_BITS zero bits. This loads
that very file into headless Debian Chromium (no server, no database) and times
`jiayuanPow.solve` on --runs fresh random prefixes for each difficulty; each
answer is checked with Python's hashlib. The number of hashes varies a lot from
one challenge to the next (geometric, mean 2**bits), so the table gives the
median, the p90 and the worst of the browser's times. The baseline, measured in
the same run, is Python's hashlib solving the same challenges (what the tests
do) and a single server-side check; the last column is the browser's speed over
hashlib's, in hashes per second. Prints a table, then one JSON line.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import secrets
import shutil
import statistics
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "jiayuan" / "static" / "js" / "portal-pow.js"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"

SOLVE = """([prefix, bits]) => new Promise((resolve) => {
  const started = performance.now();
  window.jiayuanPow.solve(prefix, bits, (nonce) => resolve([nonce, performance.now() - started]));
})"""


def zero_bits(digest: bytes) -> int:
    return len(digest) * 8 - int.from_bytes(digest, "big").bit_length()


def py_solve(prefix: str, bits: int) -> int:
    n = 0
    while zero_bits(hashlib.sha256(f"{prefix}:{n}".encode()).digest()) < bits:
        n += 1
    return n


def p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    parser.add_argument("--bits", type=int, nargs="+", default=[16, 18, 20])
    parser.add_argument("--runs", type=int, default=12)
    args = parser.parse_args()

    from playwright.sync_api import sync_playwright

    rows, report = [], {}
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True,
                                     args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_page()
        page.set_content("<!DOCTYPE html><title>pow</title>")
        page.add_script_tag(path=str(SCRIPT))
        page.evaluate(SOLVE, ["warm-up", 12])
        for bits in args.bits:
            browser_ms, hashes, py_ms = [], [], []
            for _ in range(args.runs):
                prefix = secrets.token_hex(8)
                nonce, ms = page.evaluate(SOLVE, [prefix, bits])
                digest = hashlib.sha256(f"{prefix}:{nonce}".encode()).digest()
                assert zero_bits(digest) >= bits, (prefix, nonce)  # the JS hash is right
                started = time.perf_counter()
                assert py_solve(prefix, bits) == int(nonce)  # the first answer, both ways
                py_ms.append((time.perf_counter() - started) * 1000)
                browser_ms.append(ms)
                hashes.append(int(nonce) + 1)
            started = time.perf_counter()
            for _ in range(1000):
                zero_bits(hashlib.sha256(f"{prefix}:{nonce}".encode()).digest())
            check_us = (time.perf_counter() - started) * 1000
            js_rate = sum(hashes) / (sum(browser_ms) / 1000)
            py_rate = sum(hashes) / (sum(py_ms) / 1000)
            row = {"bits": bits, "runs": args.runs,
                   "median_ms": round(statistics.median(browser_ms)),
                   "p90_ms": round(p(browser_ms, 0.9)), "max_ms": round(max(browser_ms)),
                   "mean_ms": round(statistics.mean(browser_ms)),
                   "browser_mhash_s": round(js_rate / 1e6, 2),
                   "hashlib_mhash_s": round(py_rate / 1e6, 2),
                   "server_check_us": round(check_us, 2),
                   "browser_over_hashlib": round(js_rate / py_rate, 2)}
            rows.append(row)
            report[str(bits)] = row
        browser.close()

    print(f"{'bits':>4} {'median':>8} {'p90':>8} {'max':>8} {'mean':>8} "
          f"{'browser':>10} {'hashlib':>10} {'check':>8} {'ratio':>6}")
    for r in rows:
        print(f"{r['bits']:>4} {r['median_ms']:>6}ms {r['p90_ms']:>6}ms {r['max_ms']:>6}ms "
              f"{r['mean_ms']:>6}ms {r['browser_mhash_s']:>6}MH/s {r['hashlib_mhash_s']:>6}MH/s "
              f"{r['server_check_us']:>6}us {r['browser_over_hashlib']:>6}")
    print(json.dumps({"bench": "portal_pow", "results": report}))


if __name__ == "__main__":
    main()
