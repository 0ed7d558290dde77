#!/usr/bin/env python3
"""What the office console adds to a solve: `panels solve` vs the API.

On the 10,000 x 15,000 round of scripts/bench_scale.py (`panels generate
--preset nsfc --applications 10000 --experts 15000 --panel-size 5 --seed
1`, solved with `--candidates 100`), in the same run and alternating:

* CLI: `panels solve ROUND.json --candidates 100 --out X.json` end to end
  (load, solve, write), wall time;
* console: against one `panels serve` started by the script (release
  build, loopback, a fresh data folder), `POST /api/v1/rounds` (multipart
  upload of the same file), `POST /api/v1/rounds/{id}/solve` with
  `{"candidates": 100}`, then `GET /api/v1/rounds/{id}` every 20 ms until
  the job has ended; wall time from the first byte of the upload to the
  answer that says `done`.

Each console round's `panels.json` must equal the CLI's bytes (else the
script fails). Reports the best and the median of each, the ratio console
/ CLI of the medians (target: at most 1.10), where the console's time goes
(upload, job, polling), the load average before and after, and the commit.

Usage: scripts/bench_console.py [--runs 5] [--workdir DIR]
Needs: a release build (cargo build --release).
Writes Markdown to stdout and JSON to scripts/results/console.json.
"""

import argparse
import http.client
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PANELS = os.path.join(ROOT, "target", "release", "panels")
GENERATE = ["--preset", "nsfc", "--applications", "10000", "--experts", "15000",
            "--panel-size", "5", "--seed", "1"]
SOLVE = ["--candidates", "100"]
TARGET = 1.10


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def call(port, method, path, body=b"", headers=None):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    c.request(method, path, body=body, headers=headers or {})
    r = c.getresponse()
    data = r.read()
    c.close()
    return r.status, data


def upload_body(path):
    boundary = "panels-bench-boundary-7f3a"
    with open(path, "rb") as f:
        data = f.read()
    head = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; "
            f"filename=\"{os.path.basename(path)}\"\r\n"
            "Content-Type: application/octet-stream\r\n\r\n").encode()
    body = head + data + f"\r\n--{boundary}--\r\n".encode()
    return body, {"Content-Type": f"multipart/form-data; boundary={boundary}"}


def cli_run(inst, out):
    t = time.perf_counter()
    subprocess.run([PANELS, "solve", inst, "--out", out, "--quiet"] + SOLVE, check=True)
    return time.perf_counter() - t


def console_run(port, body, headers):
    t0 = time.perf_counter()
    status, data = call(port, "POST", "/api/v1/rounds", body, headers)
    if status != 201:
        sys.exit(f"upload failed: {status} {data[:500]!r}")
    rid = json.loads(data)["id"]
    t1 = time.perf_counter()
    status, data = call(port, "POST", f"/api/v1/rounds/{rid}/solve",
                        json.dumps({"candidates": 100}).encode(),
                        {"Content-Type": "application/json"})
    if status != 202:
        sys.exit(f"solve failed to start: {status} {data[:500]!r}")
    polls = 0
    while True:
        status, data = call(port, "GET", f"/api/v1/rounds/{rid}")
        polls += 1
        view = json.loads(data)
        state = (view.get("job") or {}).get("state")
        if state == "done":
            break
        if state in ("failed", "interrupted"):
            sys.exit(f"the console's solve {state}: {view['job'].get('error')}")
        time.sleep(0.02)
    t2 = time.perf_counter()
    return {"total": t2 - t0, "upload": t1 - t0, "solve_and_poll": t2 - t1,
            "polls": polls, "id": rid}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--workdir", default="/tmp/panels-bench-console")
    args = ap.parse_args()
    if not os.path.exists(PANELS):
        sys.exit("build first: cargo build --release")
    os.makedirs(args.workdir, exist_ok=True)
    inst = os.path.join(args.workdir, "10k.json")
    if not os.path.exists(inst):
        subprocess.run([PANELS, "generate", "--out", inst, "--quiet"] + GENERATE, check=True)
    out = os.path.join(args.workdir, "cli.panels.json")
    commit = subprocess.run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"],
                            capture_output=True, text=True).stdout.strip()
    load_before = os.getloadavg()
    data = tempfile.mkdtemp(prefix="console-data-", dir=args.workdir)
    port = free_port()
    server = subprocess.Popen([PANELS, "serve", "--data", data, "--bind", f"127.0.0.1:{port}"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.time() + 60
        while True:
            try:
                if call(port, "GET", "/api/v1")[0] == 200:
                    break
            except OSError:
                pass
            if time.time() > deadline:
                sys.exit("the console did not start")
            time.sleep(0.1)
        body, headers = upload_body(inst)
        cli, con = [], []
        # One warm-up of each (page cache, first allocations), not counted.
        cli_run(inst, out)
        console_run(port, body, headers)
        for _ in range(args.runs):
            cli.append(cli_run(inst, out))
            run = console_run(port, body, headers)
            with open(out, "rb") as f:
                want = f.read()
            status, got = call(port, "GET", f"/api/v1/rounds/{run['id']}/panels.json")
            if status != 200 or got != want:
                sys.exit("the console's panels differ from the CLI's")
            con.append(run)
    finally:
        server.terminate()
        server.wait()
        shutil.rmtree(data, ignore_errors=True)
    load_after = os.getloadavg()
    totals = [r["total"] for r in con]
    ratio = statistics.median(totals) / statistics.median(cli)
    result = {
        "commit": commit, "runs": args.runs,
        "load_average_before": load_before, "load_average_after": load_after,
        "cli_seconds": cli, "console_seconds": totals,
        "console_upload_seconds": [r["upload"] for r in con],
        "console_solve_and_poll_seconds": [r["solve_and_poll"] for r in con],
        "polls": [r["polls"] for r in con],
        "ratio_of_medians": ratio,
        "ratio_of_bests": min(totals) / min(cli),
        "target": TARGET, "same_panels": True,
    }
    os.makedirs(os.path.join(ROOT, "scripts", "results"), exist_ok=True)
    with open(os.path.join(ROOT, "scripts", "results", "console.json"), "w") as f:
        json.dump(result, f, indent=2)
        f.write("\n")
    med = statistics.median
    print(f"commit {commit}; load average before {load_before[0]:.2f}, after "
          f"{load_after[0]:.2f}; {args.runs} runs each, alternating, after one warm-up")
    print("| | best | median |")
    print("|---|---|---|")
    print(f"| `panels solve` (CLI, end to end) | {min(cli):.2f} s | {med(cli):.2f} s |")
    print(f"| console: upload + solve + poll | {min(totals):.2f} s | {med(totals):.2f} s |")
    print(f"| of which upload (store, load) | {min(result['console_upload_seconds']):.2f} s | "
          f"{med(result['console_upload_seconds']):.2f} s |")
    print(f"| of which solve job + polling | {min(result['console_solve_and_poll_seconds']):.2f} s | "
          f"{med(result['console_solve_and_poll_seconds']):.2f} s |")
    print(f"\nconsole / CLI (medians): {ratio:.3f} (target at most {TARGET:.2f}); "
          f"bests: {result['ratio_of_bests']:.3f}; panels identical to the CLI's")
    if ratio > TARGET:
        sys.exit(1)


if __name__ == "__main__":
    main()
