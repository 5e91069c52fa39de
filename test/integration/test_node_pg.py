"""node-postgres (`pg`) and postgres.js (`postgres`), as applications use them."""
import json
import os
import shutil
import subprocess

from conftest import require

HERE = os.path.dirname(os.path.abspath(__file__))
NODE_DIR = os.path.join(HERE, "node")


def run_node(script, package, host):
    """Run one of node/'s applications against `host`; what it printed, as JSON."""
    require(shutil.which("node") and shutil.which("npm"), "Node.js")
    if not os.path.isdir(os.path.join(NODE_DIR, "node_modules", package)):
        subprocess.run(["npm", "install", "--no-audit", "--no-fund", "--silent"], cwd=NODE_DIR, check=True, timeout=300)
    out = subprocess.run(
        ["node", os.path.join(NODE_DIR, script), str(host.port), "pw"],
        capture_output=True, text=True, timeout=120,
    )
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def test_node_postgres_application(host):
    assert run_node("app.js", "pg", host) == {
        "plain": 42,
        "rows": [
            [3, "n3", 4.5, "300", "2024-01-02T03:04:05.000Z"],
            [4, "n4", 6.0, "400", "2024-01-02T03:04:05.000Z"],
            [5, "n5", 7.5, "500", "2024-01-02T03:04:05.000Z"],
        ],
        # varchar(50) is text: DuckDB keeps no declared length.
        "fields": [23, 25, 701, 20, 1184],
        "command": "SELECT 3",
        "named": ["n1", "n2", "n3"],
        "after_rollback": 5,
        "error": "42P01",
        "still_usable": "ok",
        "arrays": [[1, [1, None, 3], ["x", "y z", 'q"uote', None]], [2, [], []]],
        "any": [2],
    }


def test_postgres_js_application(host):
    """postgres.js (npm `postgres`, pinned): it loads array types from pg_type on connect, then
    typed arrays in and out, an ENUM, transactions that commit and roll back, a cursor read in
    batches (Execute with a row limit), an error, and the connection still usable."""
    assert run_node("postgresjs.js", "postgres", host) == {
        "plain": 42,
        "rows": [[1, ["a", "b,c", 'd"e'], [1, 2, 3], "happy"], [2, [], [None, 5], None]],
        "any": [2],
        "inside": 3,
        "rolled_back": "roll back",
        "after": 3,
        "cursor_batches": [10, 10, 5],
        "error": "42P01",
        "still_usable": "ok",
    }
