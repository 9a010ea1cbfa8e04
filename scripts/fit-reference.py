#!/usr/bin/env python3
"""Decode FIT files with Garmin's garmin-fit-sdk and write a reference JSON next to each.

Usage: scripts/fit-reference.py FILE.fit [...]   (writes FILE.fit.reference.json)

Needs: pip install garmin-fit-sdk. The Swift tests compare FITDecoder's output with these JSONs,
so they run without Python. Points follow Stamina's Track rules: records with a timestamp, in time
order, records sharing a timestamp merged (earlier values win, later ones fill gaps); positions in
degrees; enhanced_speed/enhanced_altitude preferred; cadence plus fractional_cadence.
"""
import datetime
import json
import sys

from garmin_fit_sdk import Decoder, Stream, __version__ as sdk_version

DEGREES_PER_SEMICIRCLE = 180.0 / 2**31
SAMPLES = 12


def iso(value):
    if isinstance(value, datetime.datetime):
        return value.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    return None


def number(value):
    return value if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def name(value):
    return value if isinstance(value, str) else (str(value) if value is not None else None)


def point(record):
    lat, lon = number(record.get("position_lat")), number(record.get("position_long"))
    altitude = number(record.get("enhanced_altitude"))
    if altitude is None:
        altitude = number(record.get("altitude"))
    speed = number(record.get("enhanced_speed"))
    if speed is None:
        speed = number(record.get("speed"))
    cadence = number(record.get("cadence"))
    if cadence is not None:
        cadence += number(record.get("fractional_cadence")) or 0
    return {
        "timestamp": iso(record["timestamp"]),
        "latitude": lat * DEGREES_PER_SEMICIRCLE if lat is not None and lon is not None else None,
        "longitude": lon * DEGREES_PER_SEMICIRCLE if lat is not None and lon is not None else None,
        "altitude": altitude,
        "distance": number(record.get("distance")),
        "speed": speed,
        "heart_rate": number(record.get("heart_rate")),
        "cadence": cadence,
        "power": number(record.get("power")),
        "temperature": number(record.get("temperature")),
    }


def read_with_sdk(path):
    checker = Decoder(Stream.from_file(path))
    if not checker.is_fit() or not checker.check_integrity():
        raise SystemExit(f"{path}: not a valid FIT file")
    messages, errors = Decoder(Stream.from_file(path)).read()
    return messages, errors


def read_with_fitdecode(path):
    """fitdecode, for what garmin-fit-sdk does not read: compressed timestamps, chained files."""
    import fitdecode

    messages = {}
    with fitdecode.FitReader(path, check_crc=fitdecode.CrcCheck.RAISE) as reader:
        for frame in reader:
            if frame.frame_type != fitdecode.FIT_FRAME_DATA:
                continue
            fields = {}
            for field in frame.fields:
                if field.value is None or field.name in fields:
                    continue
                value = field.value
                fields[field.name] = list(value) if isinstance(value, tuple) else value
            if frame.name == "device_info" and fields.get("device_index") == 0:
                fields["device_index"] = "creator"
            messages.setdefault(frame.name + "_mesgs", []).append(fields)
    return messages


def reference(path):
    decoder = "garmin-fit-sdk " + sdk_version
    messages, errors = read_with_sdk(path)
    if errors or b"".join([open(path, "rb").read()]).count(b".FIT") > 1:
        decoder = "fitdecode (garmin-fit-sdk: %s)" % (errors or "reads only the first of chained files")
        messages = read_with_fitdecode(path)

    merged = {}
    order = []
    for record in messages.get("record_mesgs", []):
        if not isinstance(record.get("timestamp"), datetime.datetime):
            continue
        p = point(record)
        key = record["timestamp"]
        if key in merged:
            for field, value in p.items():
                if merged[key][field] is None:
                    merged[key][field] = value
        else:
            merged[key] = p
            order.append(key)
    points = [merged[key] for key in sorted(order)]
    step = max(1, len(points) // SAMPLES)
    samples = [dict(index=i, **points[i]) for i in range(0, len(points), step)][:SAMPLES]
    if points and samples[-1]["index"] != len(points) - 1:
        samples.append(dict(index=len(points) - 1, **points[-1]))

    file_id = (messages.get("file_id_mesgs") or [{}])[0]
    creator = next((d for d in messages.get("device_info_mesgs", []) if d.get("device_index") in ("creator", 0)), {})
    return {
        "generator": f"scripts/fit-reference.py with {decoder}",
        "file_type": name(file_id.get("type")),
        "device": {
            "manufacturer": name(file_id.get("manufacturer")),
            "product": name(file_id.get("garmin_product", file_id.get("product_name", file_id.get("product")))),
            "serial_number": name(file_id.get("serial_number")),
            "software_version": number(creator.get("software_version")),
        },
        "point_count": len(points),
        "first_timestamp": points[0]["timestamp"] if points else None,
        "last_timestamp": points[-1]["timestamp"] if points else None,
        "samples": samples,
        "laps": [
            {
                "start_time": iso(lap.get("start_time")),
                "total_elapsed_time": number(lap.get("total_elapsed_time")),
                "total_timer_time": number(lap.get("total_timer_time")),
                "total_distance": number(lap.get("total_distance")),
                "total_calories": number(lap.get("total_calories")),
                "avg_heart_rate": number(lap.get("avg_heart_rate")),
                "max_heart_rate": number(lap.get("max_heart_rate")),
                "lap_trigger": name(lap.get("lap_trigger")),
            }
            for lap in sorted(messages.get("lap_mesgs", []), key=lambda lap: lap.get("start_time"))
        ],
        "sessions": [
            {
                "sport": name(session.get("sport")),
                "sub_sport": name(session.get("sub_sport")),
                "start_time": iso(session.get("start_time")),
                "total_elapsed_time": number(session.get("total_elapsed_time")),
                "total_timer_time": number(session.get("total_timer_time")),
                "total_distance": number(session.get("total_distance")),
                "total_calories": number(session.get("total_calories")),
                "total_ascent": number(session.get("total_ascent")),
                "total_descent": number(session.get("total_descent")),
            }
            for session in messages.get("session_mesgs", [])
        ],
        "timer_event_count": sum(
            1
            for event in messages.get("event_mesgs", [])
            if event.get("event") == "timer" and event.get("event_type") in ("start", "stop", "stop_all",
                                                                              "stop_disable", "stop_disable_all")
        ),
        "rr_intervals": [
            t for hrv in messages.get("hrv_mesgs", []) for t in (hrv.get("time") or []) if number(t) is not None
        ],
    }


if __name__ == "__main__":
    if len(sys.argv) < 2:
        raise SystemExit(__doc__)
    for path in sys.argv[1:]:
        with open(path + ".reference.json", "w") as out:
            json.dump(reference(path), out, indent=1, sort_keys=True)
            out.write("\n")
        print(f"{path}.reference.json")
