#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Parse each reStructuredText file named with docutils; print every
warning or error (a malformed table, a broken title underline) and exit
1 if there was one."""

import io
import sys

import docutils.core


def main():
    bad = 0
    for name in sys.argv[1:]:
        with open(name, encoding="utf-8") as f:
            text = f.read()
        err = io.StringIO()
        docutils.core.publish_doctree(
            text, source_path=name,
            settings_overrides={"warning_stream": err, "report_level": 2,
                                "halt_level": 5, "file_insertion_enabled": False,
                                "raw_enabled": False})
        if err.getvalue():
            print(err.getvalue().rstrip())
            bad += 1
    print(f"rst: {len(sys.argv) - 1 - bad} of {len(sys.argv) - 1} documents clean")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
