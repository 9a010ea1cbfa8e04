#!/usr/bin/env python3
"""Decodes FIT files with garmin-fit-sdk and prints records/s as JSON lines (the baseline)."""
import json
import sys
import time

from garmin_fit_sdk import Decoder, Stream

for path in sys.argv[1:]:
    times = []
    records = 0
    for _ in range(3):
        began = time.perf_counter()
        messages, errors = Decoder(Stream.from_file(path)).read()
        times.append(time.perf_counter() - began)
        records = len(messages.get("record_mesgs", []))
    median = sorted(times)[len(times) // 2]
    print(json.dumps({"file": path, "records": records, "medianSeconds": median, "recordsPerSecond": records / median}))
