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


def test_a_slow_reader_holds_the_query_back_instead_of_filling_server_memory():
    """A client that reads a huge result slowly: the server stops producing when the socket is
    full, so its memory stays flat while the client dawdles."""
    from wire import Wire

    h = Host()
    try:
        psql(h.dsn(), "-c", "SELECT 1", "-o", "/dev/null")
        w = Wire(h.port, timeout=30)
        w.startup()
        # About 3 GB of DataRows if the server buffered them all.
        w.send_message("Q", f"SELECT i, repeat('x', 300) FROM range({ROWS}) t(i)".encode() + b"\0")
        baseline = h.rss_kb()
        received = 0
        samples = []
        deadline = time.time() + 6
        while time.time() < deadline:
            received += len(w.sock.recv(16384))
            samples.append(h.rss_kb())
            time.sleep(0.02)  # about 1 MB/s: far slower than the query could produce
        growth_mb = (max(samples) - baseline) / 1024
        print(f"\nslow reader got {received / 1e6:.1f} MB in 6 s; server RSS grew {growth_mb:.0f} MB")
        assert received > 100_000  # rows did flow
        assert growth_mb < 64, f"server memory grew by {growth_mb:.0f} MB for a slow reader"
        # The session is still there, producing at the client's pace.
        assert h.sql("SELECT state FROM pgwire_sessions()") == [["active"]]
        w.close()
        wait_until(lambda: h.sql("SELECT count(*) FROM pgwire_sessions()") == [[0]], timeout=30)
    finally:
        h.close()
