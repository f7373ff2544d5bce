#!/usr/bin/env python3
"""d6tpipe 1.2.7 as a peer of the sync benchmark; run by `run` with the d6tpipe venv's python.

usage: peer_d6tpipe.py JOB_JSON
JOB: {"op": "push_pull" | "preview", "work": DIR, "src": FILEREPO, "dst": FILEREPO (push_pull),
      "pipe": NAME, "bucket": NAME, "endpoint": URL, "moto_pid": PID, "reps": N (preview)}
Prints one JSON line of in-process timings in seconds (interpreter start, imports and
setup excluded, which favours d6tpipe), each with moto's CPU seconds over it. d6tpipe only speaks s3/ftp/sftp, so this
peer runs only against the S3 (moto) remote. Its own prints go to stderr.
"""
import contextlib
import json
import os
import sys
import time

# d6tpipe turns d6tcollect's usage reporting off on import; point it at a closed
# loopback port as well so that no event could ever leave the machine.
os.environ["D6TCOLLECT_SVR"] = "http://127.0.0.1:9"
import d6tcollect  # noqa: E402

d6tcollect.submit = False
import d6tpipe  # noqa: E402


def api_for(job, profile, filerepo):
    """An APILocal profile whose pipe folders are FILEREPO/<pipe> (like datapipe's)."""
    cfg = os.path.join(job["work"], "d6tpipe-cfg.json")
    mgr = d6tpipe.api.ConfigManager(profile=profile, filecfg=cfg)
    mgr.init({"filerepo": filerepo}, reset=True)
    # init appends files/<profile>/ to filerepo: point it back, keep the db out of the data.
    mgr.update({"filerepo": filerepo, "filedb": os.path.join(job["work"], f"d6tpipe-{profile}.json")})
    api = d6tpipe.APILocal(profile=profile, filecfg=cfg)
    d6tpipe.upsert_pipe(api, {
        "name": job["pipe"], "protocol": "s3",
        "options": {"remotepath": f"s3://{job['bucket']}/data/"},
        "credentials": {"aws_access_key_id": "testing", "aws_secret_access_key": "testing",
                        "endpoint_url": job["endpoint"], "region_name": "us-east-1"},
    })
    return d6tpipe.Pipe(api, job["pipe"])


def cpu_seconds(pid):
    """utime + stime of PID from /proc (None without a pid)."""
    if not pid:
        return None
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def timed(job, fn, *args, **kwargs):
    """(seconds, moto CPU seconds, fn's result)."""
    c0, t0 = cpu_seconds(job.get("moto_pid")), time.perf_counter()
    out = fn(*args, **kwargs)
    t, c1 = time.perf_counter() - t0, cpu_seconds(job.get("moto_pid"))
    return t, (None if c0 is None else c1 - c0), out


def main():
    job = json.loads(sys.argv[1])
    tag = f"{job['pipe']}-{job['bucket']}"
    res = {}
    with contextlib.redirect_stdout(sys.stderr):
        src = api_for(job, f"src-{tag}", job["src"])
        if job["op"] == "push_pull":
            t, cpu, pushed = timed(job, src.push)
            res["push"] = {"seconds": t, "moto_cpu": cpu, "files": len(pushed)}
            dst = api_for(job, f"dst-{tag}", job["dst"])
            t, cpu, pulled = timed(job, dst.pull)
            res["pull"] = {"seconds": t, "moto_cpu": cpu, "files": len(pulled)}
        elif job["op"] == "preview":
            t, cpu, pushed = timed(job, src.push)  # the sync the previews come after
            res["sync"] = {"seconds": t, "moto_cpu": cpu, "files": len(pushed)}
            for cached, key in ((True, "warm"), (False, "nocache")):
                runs = []
                for _ in range(job["reps"]):
                    t_pull, cpu_pull, a = timed(job, src.pull_preview, cached=cached)
                    t_push, cpu_push, b = timed(job, src.push_preview, cached=cached)
                    if a or b:
                        raise SystemExit(f"d6tpipe: no-change preview found changes: {len(a)} to pull, {len(b)} to push")
                    runs.append({"seconds": t_pull + t_push, "moto_cpu": cpu_pull + cpu_push,
                                 "pull_preview": t_pull, "push_preview": t_push})
                res[key] = runs
        else:
            raise SystemExit(f"unknown op {job['op']}")
    print(json.dumps(res), flush=True)


if __name__ == "__main__":
    main()
