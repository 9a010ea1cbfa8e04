#!/usr/bin/env python3
"""Writes a 1 Hz running GPX track with elevation and heart rate: make-gpx.py POINTS OUT.gpx [SEED]"""
import math
import sys
from datetime import datetime, timedelta, timezone

points, out = int(sys.argv[1]), sys.argv[2]
seed = int(sys.argv[3]) if len(sys.argv) > 3 else 0
start = datetime(2026, 5, 1, 6, 0, 0, tzinfo=timezone.utc) + timedelta(days=seed)
lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<gpx version="1.1" creator="stamina-bench" xmlns="http://www.topografix.com/GPX/1/1" '
    'xmlns:gpxtpx="http://www.garmin.com/xmlschemas/TrackPointExtension/v1">',
    f"<trk><name>Bench run {seed}</name><type>running</type><trkseg>",
]
lat, lon = 47.3769, 8.5417
for i in range(points):
    heading = i / 600.0
    lat += 2.7e-5 * math.cos(heading)
    lon += 4.0e-5 * math.sin(heading)
    ele = 420 + 30 * math.sin(i / 300.0)
    hr = 140 + int(15 * math.sin(i / 120.0))
    time = (start + timedelta(seconds=i)).strftime("%Y-%m-%dT%H:%M:%SZ")
    lines.append(
        f'<trkpt lat="{lat:.7f}" lon="{lon:.7f}"><ele>{ele:.1f}</ele><time>{time}</time>'
        f"<extensions><gpxtpx:TrackPointExtension><gpxtpx:hr>{hr}</gpxtpx:hr>"
        f"</gpxtpx:TrackPointExtension></extensions></trkpt>"
    )
lines.append("</trkseg></trk></gpx>")
with open(out, "w") as f:
    f.write("\n".join(lines))
