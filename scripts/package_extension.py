#!/usr/bin/env python3
"""Turn the built cdylib into a loadable `pgwire.duckdb_extension`.

DuckDB reads a metadata footer at the end of an extension file: a WebAssembly custom-section
header (ignored on native platforms), eight 32-byte NUL-padded fields, and room for a signature.
We write it ourselves; the extension is unsigned, so hosts load it with unsigned extensions allowed.

usage: package_extension.py LIBRARY OUTPUT --version V --platform P
"""
import argparse
import shutil

C_API_VERSION = "v1.5.6"
ABI_TYPE = "C_STRUCT"
MAGIC = "4"
FIELD = 32


def field(text: str) -> bytes:
    raw = text.encode("ascii")
    if len(raw) > FIELD:
        raise SystemExit(f"metadata field too long: {text!r}")
    return raw.ljust(FIELD, b"\0")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("library")
    parser.add_argument("output")
    parser.add_argument("--version", required=True)
    parser.add_argument("--platform", required=True)
    args = parser.parse_args()

    header = b"\x00\x93\x04\x10" + b"duckdb_signature" + b"\x80\x04"
    assert len(header) == 22
    fields = [
        field(""),
        field(""),
        field(""),
        field(ABI_TYPE),
        field(args.version),
        field(C_API_VERSION),
        field(args.platform),
        field(MAGIC),
    ]
    signature = b"\0" * 256

    tmp = args.output + ".tmp"
    shutil.copyfile(args.library, tmp)
    with open(tmp, "ab") as out:
        out.write(header)
        out.write(b"".join(fields))
        out.write(signature)
    shutil.move(tmp, args.output)


if __name__ == "__main__":
    main()
