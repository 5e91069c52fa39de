"""pgjdbc (Debian's libpostgresql-jdbc-java), as an application uses it."""
import os
import shutil
import subprocess

from conftest import require

HERE = os.path.dirname(os.path.abspath(__file__))
JAR = "/usr/share/java/postgresql.jar"


def test_jdbc_application(host, tmp_path):
    require(shutil.which("javac") and shutil.which("java"), "a JDK")
    require(os.path.exists(JAR), "libpostgresql-jdbc-java")
    subprocess.run(
        ["javac", "-d", str(tmp_path), "-cp", JAR, os.path.join(HERE, "jdbc", "JdbcApp.java")],
        check=True,
        timeout=120,
    )
    out = subprocess.run(
        ["java", "-cp", f"{tmp_path}:{JAR}", "JdbcApp", str(host.port), "pw"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    seen = dict(line.split("=", 1) for line in out.stdout.splitlines())
    rows = (
        "4|item 4|5.0|40000000000|2024-01-04 10:11:12.5|493.824|true|2024-02-04;"
        "5|item 5|6.25|50000000000|2024-01-05 10:11:12.5|617.280|false|2024-02-05;"
    )
    assert seen == {
        "batch": "[1, 1, 1, 1, 1]",
        # Three rounds: the third runs as a server-side prepared statement with binary results.
        "select0": rows,
        "select1": rows,
        "select2": rows,
        "fetched": "10",  # fetchSize 3: a portal resumed after PortalSuspended
        "after_rollback": "5",
        "timeout": "57014",  # setQueryTimeout sends a CancelRequest
        "missing": "42P01",
        "after_error": "still usable",
        "copy_in": "10000",
        "copy_out": '2:id,name,amount/1,"name, 1",1.25/2,"name, 2",2.25/',
        "copy_bad": "22P02",  # nothing of the bad COPY is loaded
        "copy_total": "10000|50007500.00",
    }
