"""tokio-postgres (binary parameters and results, typed prepared statements, COPY in and out
through the extended protocol), as a Rust application uses it. The client is built by `make integration-test`."""
import os
import subprocess

from conftest import require

HERE = os.path.dirname(os.path.abspath(__file__))
CLIENT = os.path.join(HERE, "tokio_client", "target", "release", "tokio-client-check")


def test_tokio_postgres_application(host):
    require(os.path.exists(CLIENT), "the tokio-postgres client (make integration-test builds it)")
    out = subprocess.run([CLIENT, str(host.port), "pw"], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    seen = dict(line.split("=", 1) for line in out.stdout.splitlines())
    assert seen == {
        "insert1": "1",
        "insert2": "1",
        "insert3": "1",
        "row2": "n2|1|2024-03-04 05:06:07.000890|0c3d6a8e-1f2b-4c5d-8e9f-a0b1c2d3e4f5|{\"k\":1}",
        "row3": "n3|1.5|2024-03-04 05:06:07.000890|0c3d6a8e-1f2b-4c5d-8e9f-a0b1c2d3e4f5|{\"k\":1}",
        "after_rollback": "3",
        "missing": "42P01",
        "bigint": str((2**63 - 1) // 4 * 2),
        "copy_in_text": "2",
        "copy_in_binary": "998",
        "copy_out_text": "1,one/2,\\N/3,n3/",
        "copy_out_binary999": "2024-05-06 07:08:09",
        "copy_out_binary1000": "2024-05-06 07:08:09",
        "copy_in_bad": "22P02",
        "copy_count": "1000",
        "simple": "simple",
    }
