"""node-postgres (`pg`), as an application uses it."""
import json
import os
import shutil
import subprocess

from conftest import require

HERE = os.path.dirname(os.path.abspath(__file__))
NODE_DIR = os.path.join(HERE, "node")


def test_node_postgres_application(host):
    require(shutil.which("node") and shutil.which("npm"), "Node.js")
    if not os.path.isdir(os.path.join(NODE_DIR, "node_modules", "pg")):
        subprocess.run(["npm", "install", "--no-audit", "--no-fund", "--silent"], cwd=NODE_DIR, check=True, timeout=300)
    out = subprocess.run(
        ["node", os.path.join(NODE_DIR, "app.js"), str(host.port), "pw"],
        capture_output=True, text=True, timeout=120,
    )
    assert out.returncode == 0, out.stderr
    seen = json.loads(out.stdout)
    assert seen == {
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
    }
