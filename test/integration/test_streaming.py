"""Results stream: a large result reaches the client while the server's memory stays bounded."""
import subprocess
import threading
import time

from conftest import Host, psql, wait_until

ROWS = 10_000_000


def test_ten_million_rows_reach_psql_in_bounded_server_memory():
    h = Host()
    try:
        # Warm up (first query, runtime threads) so that the baseline is the idle server.
        psql(h.dsn(), "-c", "SELECT 1", "-o", "/dev/null")
        baseline = h.rss_kb()
        peak = baseline
        done = threading.Event()

        def sample():
            nonlocal peak
            while not done.is_set():
                peak = max(peak, h.rss_kb())
                time.sleep(0.05)

        sampler = threading.Thread(target=sample)
        sampler.start()
        started = time.time()
        try:
            out = psql(
                h.dsn(),
                "-A",
                "-t",
                "-c",
                f"SELECT i, 'row ' || i, i * 0.5 FROM range({ROWS}) t(i)",
                "-o",
                "/dev/null",
                "-c",
                f"SELECT count(*) FROM range({ROWS})",
                timeout=600,
            )
        finally:
            done.set()
            sampler.join()
        elapsed = time.time() - started
        growth_mb = (peak - baseline) / 1024
        print(f"\n{ROWS} rows to psql in {elapsed:.1f} s; server RSS {baseline / 1024:.0f} MB -> peak {peak / 1024:.0f} MB (+{growth_mb:.0f} MB)")
        assert out.returncode == 0
        assert growth_mb < 200, f"server memory grew by {growth_mb:.0f} MB"
        sent = h.sql("SELECT bytes_sent FROM pgwire_status()")[0][0]
        assert sent > ROWS * 10  # the rows really went out
    finally:
        h.close()
