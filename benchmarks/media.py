"""Media benchmark: attaching a big video (default ~200 MB) without its metadata.

Prints the time of the three passes (hash, ffmpeg stream copy into the private work
folder, sealing) against sealing the same bytes alone, and the peak memory (RSS) of the
Python process and of ffmpeg (Linux: /proc). The attach runs in a fresh process so its
figures are its own (the ffmpeg that makes the test video is not counted). Target (issue
9): memory does not grow with the file: no 2 GiB video in RAM.

    .venv/bin/python benchmarks/media.py [--mb 200] [--keep-original]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from fieldapp import attachments  # noqa: E402
from fieldapp.crypto import filecipher  # noqa: E402
from fieldapp.profile import Profile  # noqa: E402
from fieldapp.recordings import ffmpeg_exe  # noqa: E402

PASSPHRASE = "benchmark passphrase 1"


def make_video(path: Path, megabytes: int) -> None:
    """An MP4 (MPEG-4 part 2 at a fixed high bitrate, AAC) of about ``megabytes`` MB,
    with a GPS location and an author."""
    seconds = max(4, megabytes * 8 // 30)  # 30 Mbit/s
    subprocess.run([ffmpeg_exe(), "-hide_banner", "-v", "error", "-y",
                    "-f", "lavfi", "-i", f"testsrc2=size=1280x720:rate=25:duration={seconds}",
                    "-f", "lavfi", "-i", f"sine=duration={seconds}",
                    "-c:v", "mpeg4", "-b:v", "30M", "-minrate", "30M", "-maxrate", "30M",
                    "-bufsize", "4M", "-c:a", "aac",
                    "-metadata", "location=+14.4900-004.1900/",
                    "-metadata", "artist=Invented Author", str(path)], check=True)


def _hwm_mb(pid: int | str) -> float:
    """Peak resident memory of a process (VmHWM), in MB; 0 when it is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


class ChildWatch(threading.Thread):
    """Samples the peak memory of this process's children (ffmpeg) every 20 ms: a
    benchmark may poll; ``ru_maxrss`` of children counts the parent's pages at fork."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.peak = 0.0
        self.stop = threading.Event()

    def run(self) -> None:
        me = os.getpid()
        while not self.stop.wait(0.02):
            try:
                kids = Path(f"/proc/{me}/task/{me}/children").read_text().split()
            except OSError:
                kids = []
            for kid in kids:
                self.peak = max(self.peak, _hwm_mb(kid))


def attach_once(video: Path, keep_original: bool) -> dict[str, float]:
    """Run in a fresh process: open a profile, attach ``video``, report figures."""
    with tempfile.TemporaryDirectory() as tmp:
        vault, _recovery = Profile(Path(tmp) / "p").create("Bench-1", PASSPHRASE,
                                                           kdf_seconds=0)
        rid = vault.records.add("incident", {"title": "t", "occurred_on": "2025",
                                             "event_type": "looting"})
        Path("/proc/self/clear_refs").write_text("5")  # peak RSS := current RSS
        baseline = _hwm_mb("self")
        watch = ChildWatch()
        watch.start()
        start = time.perf_counter()
        filecipher.encrypt_to(Path(tmp) / "plain.sealed", filecipher.new_key(),
                              video.open("rb"))
        seal_only = time.perf_counter() - start
        start = time.perf_counter()
        aid = attachments.attach(vault, rid, video, keep_original=keep_original)
        elapsed = time.perf_counter() - start
        info = attachments.info(vault, aid)
        watch.stop.set()
        watch.join()
        vault.close()
    return {"size_mb": video.stat().st_size / 1e6, "stored_mb": info.stored_size / 1e6,
            "attach_s": elapsed, "seal_only_s": seal_only,
            "python_rss_baseline_mb": baseline,
            "python_rss_peak_mb": _hwm_mb("self"),
            "ffmpeg_rss_peak_mb": watch.peak,
            "removed": bool(info.stripped.get("removed")),
            "found": sorted(info.stripped.get("found", {}))}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=int, default=200)
    parser.add_argument("--keep-original", action="store_true")
    parser.add_argument("--attach", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.attach:
        print(json.dumps(attach_once(args.attach, args.keep_original)))
        return
    with tempfile.TemporaryDirectory() as tmp:
        video = Path(tmp) / "big.mp4"
        start = time.perf_counter()
        make_video(video, args.mb)
        print(f"made a {video.stat().st_size / 1e6:.0f} MB video in "
              f"{time.perf_counter() - start:.0f} s")
        cmd = [sys.executable, __file__, "--attach", str(video)]
        if args.keep_original:
            cmd.append("--keep-original")
        figures = json.loads(subprocess.run(cmd, check=True, capture_output=True,
                                            text=True).stdout)
    size = figures["size_mb"]
    print(f"attach (hash, stream copy, seal{', keep original' if args.keep_original else ''})"
          f": {figures['attach_s']:.1f} s = {size / figures['attach_s']:.0f} MB/s; "
          f"sealing alone {figures['seal_only_s']:.1f} s; ratio "
          f"{figures['attach_s'] / figures['seal_only_s']:.1f}")
    print(f"stored copy {figures['stored_mb']:.0f} MB of {size:.0f} MB; metadata removed: "
          f"{figures['removed']} ({', '.join(figures['found'])})")
    growth = figures["python_rss_peak_mb"] - figures["python_rss_baseline_mb"]
    print(f"peak RSS: python {figures['python_rss_peak_mb']:.0f} MB (before the attach "
          f"{figures['python_rss_baseline_mb']:.0f} MB, growth {growth:.0f} MB), ffmpeg "
          f"{figures['ffmpeg_rss_peak_mb']:.0f} MB; file size / python growth = "
          f"{size / max(1.0, growth):.0f}")


if __name__ == "__main__":
    main()
