#!/usr/bin/env python3
"""Verify an audit trail exported from social-value-hub (GET /export/audit.jsonl)
on its own, with nothing but Python's standard library.

Each line is one event. Its hash is SHA-256, in lowercase hex, over the UTF-8
bytes of the previous event's hash (64 zeros for the first event) followed by
the event's canonical content: the compact JSON array

    [seq, at, actor, role, councilId, action, entity, recordId, before, after]

where `before` and `after` are the snapshot texts exactly as exported (JSON
strings, or null), and the array is written with no spaces and non-ASCII
characters left as they are.

    python3 scripts/verify_audit.py audit.jsonl

Exits 0 and prints the head hash when every event chains; otherwise prints the
first broken event and exits 1.
"""
import hashlib
import json
import sys

GENESIS = "0" * 64
FIELDS = ["seq", "at", "actor", "role", "councilId", "action", "entity", "recordId", "before", "after"]


def canonical(event):
    return json.dumps([event[f] for f in FIELDS], separators=(",", ":"), ensure_ascii=False)


def main(path):
    prev, expected = GENESIS, 1
    with open(path, encoding="utf-8") as f:
        for number, line in enumerate(f, 1):
            if not line.strip():
                continue
            event = json.loads(line)
            seq = event.get("seq")
            if seq != expected:
                print(f"broken at line {number}, seq {seq}: seq {expected} was due (an event is missing or out of order)")
                return 1
            if event["prevHash"] != prev:
                print(f"broken at line {number}, seq {seq}: prevHash is not the previous event's hash")
                return 1
            digest = hashlib.sha256((prev + canonical(event)).encode("utf-8")).hexdigest()
            if digest != event["hash"]:
                print(f"broken at line {number}, seq {seq}: hash does not match the event's content")
                return 1
            prev, expected = event["hash"], expected + 1
    print(f"valid: {expected - 1} events, head hash {prev}")
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: verify_audit.py FILE")
    sys.exit(main(sys.argv[1]))
