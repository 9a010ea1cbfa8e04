#!/usr/bin/env python3
"""Reads each GPX fixture with gpxpy and writes NAME.gpx.reference.json beside it.

The Swift test GPXReferenceTests compares our decoder with these files, so the tests need no
Python. Needs gpxpy:  python3 -m venv /tmp/gpxvenv && /tmp/gpxvenv/bin/pip install gpxpy
Usage: /tmp/gpxvenv/bin/python scripts/gpx-reference.py
"""
import glob
import json
import os

import gpxpy

FIXTURES = os.path.join(os.path.dirname(__file__), "..", "Tests", "ActivityFilesTests", "Fixtures", "gpx")
SAMPLE_EVERY = 25


def heart_rate(point):
    for extension in point.extensions:
        for element in extension.iter():
            if element.tag == "hr" or element.tag.endswith("}hr"):
                return float(element.text)
    return None


def monotonic_count(gpx):
    """Points left under Stamina's rule: timed points, segments ordered by their first time,
    points earlier than the one before dropped."""
    segments = [[p.time for p in s.points if p.time is not None] for t in gpx.tracks for s in t.segments]
    segments = sorted((s for s in segments if s), key=lambda s: s[0])
    kept, last = 0, None
    for times in segments:
        for time in times:
            if last is None or time >= last:
                kept, last = kept + 1, time
    return kept


def main():
    for path in sorted(glob.glob(os.path.join(FIXTURES, "*.gpx"))):
        with open(path, "rb") as f:
            data = f.read()
        # gpxpy decodes bytes as UTF-8 whatever the declaration says.
        encoding = "iso-8859-1" if b'encoding="ISO-8859-1"' in data[:100] else "utf-8"
        gpx = gpxpy.parse(data.decode(encoding))
        segments = []
        samples = []
        for track in gpx.tracks:
            for segment in track.segments:
                if not segment.points:
                    continue
                timed = [p for p in segment.points if p.time is not None]
                first = segment.points[0]
                segments.append({
                    "count": len(segment.points),
                    "timedCount": len(timed),
                    "firstTime": timed[0].time.timestamp() if timed else None,
                    "lastTime": timed[-1].time.timestamp() if timed else None,
                    "firstLatitude": first.latitude,
                    "firstLongitude": first.longitude,
                    "length2D": segment.length_2d(),
                    "length3D": segment.length_3d(),
                })
                for index, point in enumerate(timed):
                    if index % SAMPLE_EVERY == 0 or index == len(timed) - 1:
                        samples.append({
                            "time": point.time.timestamp(),
                            "latitude": point.latitude,
                            "longitude": point.longitude,
                            "elevation": point.elevation,
                            "heartRate": heart_rate(point),
                        })
        bounds = gpx.get_time_bounds()
        reference = {
            "generator": f"gpxpy {gpxpy.__version__}",
            "pointCount": gpx.get_track_points_no(),
            "timedPointCount": sum(s["timedCount"] for s in segments),
            "monotonicPointCount": monotonic_count(gpx),
            "firstTime": bounds.start_time.timestamp() if bounds.start_time else None,
            "lastTime": bounds.end_time.timestamp() if bounds.end_time else None,
            "name": gpx.name or next((t.name for t in gpx.tracks if t.name), None),
            "length2D": gpx.length_2d(),
            "length3D": gpx.length_3d(),
            "segments": segments,
            "samples": samples,
        }
        with open(path + ".reference.json", "w", encoding="utf-8") as f:
            json.dump(reference, f, indent=1, sort_keys=True, ensure_ascii=False)
            f.write("\n")
        print(f"{os.path.basename(path)}: {reference['pointCount']} points, {len(segments)} segments")


if __name__ == "__main__":
    main()
