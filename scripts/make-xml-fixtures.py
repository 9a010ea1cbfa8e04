#!/usr/bin/env python3
"""Writes the synthesized GPX/TCX fixtures of Tests/ActivityFilesTests/Fixtures/{gpx,tcx}.

The files imitate what devices and services write (Garmin Connect, Strava, GPSBabel, a Forerunner,
an indoor trainer), with realistic 1 Hz movement, elevation, heart rate, cadence and power. The
output is deterministic (fixed seed), so rerunning the script reproduces the committed files.
Usage: scripts/make-xml-fixtures.py
"""
import datetime as dt
import gzip
import math
import os
import random

ROOT = os.path.join(os.path.dirname(__file__), "..", "Tests", "ActivityFilesTests", "Fixtures")
random.seed(20240501)


def walk(count, lat, lon, speed, start, step=1.0, heading=40.0):
    """Yields (time, lat, lon, ele, distance, speed) along a gently curving path."""
    ele = 410.0
    dist = 0.0
    for i in range(count):
        t = start + dt.timedelta(seconds=i * step)
        v = max(0.5, speed + random.gauss(0, 0.15))
        heading += random.gauss(0, 3)
        d = v * step
        lat += d * math.cos(math.radians(heading)) / 111_320
        lon += d * math.sin(math.radians(heading)) / (111_320 * math.cos(math.radians(lat)))
        ele += math.sin(i / 60) * 0.3 + random.gauss(0, 0.05)
        dist += d
        yield t, lat, lon, ele, dist, v


def iso(t, fraction=False, offset=None):
    if offset is not None:
        t = t.astimezone(dt.timezone(dt.timedelta(hours=offset)))
        s = t.strftime("%Y-%m-%dT%H:%M:%S")
        if fraction:
            s += ".%03d" % (t.microsecond // 1000)
        return s + ("+%02d:00" % offset if offset >= 0 else "-%02d:00" % -offset)
    s = t.strftime("%Y-%m-%dT%H:%M:%S")
    if fraction:
        s += ".%03d" % (t.microsecond // 1000)
    return s + "Z"


def hr_at(i, base=128, top=168):
    return int(base + (top - base) * (1 - math.exp(-i / 240)) + random.gauss(0, 2))


def write(path, text):
    with open(os.path.join(ROOT, path), "w", encoding="utf-8", newline="\n") as f:
        f.write(text)


def garmin_run():
    start = dt.datetime(2024, 5, 1, 6, 30, 0, tzinfo=dt.timezone.utc)
    out = ['<?xml version="1.0" encoding="UTF-8"?>\n'
           '<gpx creator="Garmin Connect" version="1.1" xsi:schemaLocation="http://www.topografix.com/GPX/1/1 '
           'http://www.topografix.com/GPX/11.xsd" xmlns:ns3="http://www.garmin.com/xmlschemas/TrackPointExtension/v1" '
           'xmlns="http://www.topografix.com/GPX/1/1" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
           'xmlns:ns2="http://www.garmin.com/xmlschemas/GpxExtensions/v3">\n',
           '  <metadata>\n    <link href="connect.garmin.com">\n      <text>Garmin Connect</text>\n    </link>\n'
           f'    <time>{iso(start)}</time>\n  </metadata>\n',
           '  <trk>\n    <name>Z\u00fcrich Morning Run</name>\n    <type>running</type>\n    <trkseg>\n']
    for i, (t, lat, lon, ele, _, _) in enumerate(walk(600, 47.3615, 8.5500, 3.1, start)):
        out.append(f'      <trkpt lat="{lat:.15f}" lon="{lon:.15f}">\n        <ele>{ele:.1f}</ele>\n'
                   f'        <time>{iso(t)}</time>\n        <extensions>\n          <ns3:TrackPointExtension>\n'
                   f'            <ns3:hr>{hr_at(i)}</ns3:hr>\n            <ns3:cad>{84 + random.randint(-2, 2)}</ns3:cad>\n'
                   '          </ns3:TrackPointExtension>\n        </extensions>\n      </trkpt>\n')
    out.append('    </trkseg>\n  </trk>\n</gpx>\n')
    write("gpx/garmin-run-1hz.gpx", "".join(out))


def strava_ride():
    start = dt.datetime(2024, 6, 15, 14, 5, 12, tzinfo=dt.timezone.utc)
    out = ['<?xml version="1.0" encoding="UTF-8"?>\n'
           '<gpx creator="StravaGPX" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
           'xsi:schemaLocation="http://www.topografix.com/GPX/1/1 http://www.topografix.com/GPX/1/1/gpx.xsd '
           'http://www.garmin.com/xmlschemas/GpxExtensions/v3 http://www.garmin.com/xmlschemas/GpxExtensionsv3.xsd '
           'http://www.garmin.com/xmlschemas/TrackPointExtension/v1 '
           'http://www.garmin.com/xmlschemas/TrackPointExtensionv1.xsd" version="1.1" '
           'xmlns="http://www.topografix.com/GPX/1/1" '
           'xmlns:gpxtpx="http://www.garmin.com/xmlschemas/TrackPointExtension/v1" '
           'xmlns:gpxx="http://www.garmin.com/xmlschemas/GpxExtensions/v3">\n',
           f' <metadata>\n  <time>{iso(start)}</time>\n </metadata>\n',
           ' <trk>\n  <name>Afternoon Ride &amp; Coffee</name>\n  <type>cycling</type>\n  <trkseg>\n']
    for i, (t, lat, lon, ele, _, _) in enumerate(walk(600, 46.9480, 7.4474, 8.5, start, heading=120)):
        power = max(0, int(210 + 40 * math.sin(i / 45) + random.gauss(0, 15)))
        out.append(f'   <trkpt lat="{lat:.7f}" lon="{lon:.7f}">\n    <ele>{ele:.1f}</ele>\n    <time>{iso(t)}</time>\n'
                   f'    <extensions>\n     <power>{power}</power>\n     <gpxtpx:TrackPointExtension>\n'
                   f'      <gpxtpx:atemp>{21 + i // 200}</gpxtpx:atemp>\n      <gpxtpx:hr>{hr_at(i, 110, 150)}</gpxtpx:hr>\n'
                   f'      <gpxtpx:cad>{88 + random.randint(-3, 3)}</gpxtpx:cad>\n     </gpxtpx:TrackPointExtension>\n'
                   '    </extensions>\n   </trkpt>\n')
    out.append('  </trkseg>\n </trk>\n</gpx>\n')
    write("gpx/strava-ride-power.gpx", "".join(out))


def multi_segment_hike():
    """Two tracks, two segments each, written afternoon-first; TrackPointExtension v2, local offsets,
    fractional seconds."""
    morning = dt.datetime(2024, 7, 20, 7, 0, 0, 250000, tzinfo=dt.timezone.utc)
    afternoon = dt.datetime(2024, 7, 20, 13, 0, 0, 500000, tzinfo=dt.timezone.utc)

    def segment(start, lat, lon):
        rows = []
        for i, (t, la, lo, ele, _, _) in enumerate(walk(80, lat, lon, 1.2, start, step=5.0, heading=200)):
            rows.append(f'      <trkpt lat="{la:.6f}" lon="{lo:.6f}"><ele>{ele + 1200:.2f}</ele>'
                        f'<time>{iso(t, fraction=True, offset=2)}</time><extensions><gpxtpx:TrackPointExtension>'
                        f'<gpxtpx:hr>{hr_at(i, 100, 135)}</gpxtpx:hr><gpxtpx:speed>1.2</gpxtpx:speed>'
                        '</gpxtpx:TrackPointExtension></extensions></trkpt>\n')
        return "      <!-- segment -->\n" + "".join(rows)

    def track(name, start, lat, lon):
        second = start + dt.timedelta(minutes=30)
        return (f'  <trk>\n    <name>{name}</name>\n    <type>hiking</type>\n    <trkseg>\n' + segment(start, lat, lon)
                + '    </trkseg>\n    <trkseg>\n' + segment(second, lat - 0.004, lon - 0.002) + '    </trkseg>\n  </trk>\n')

    text = ('<?xml version="1.0" encoding="UTF-8" standalone="no" ?>\n'
            '<gpx xmlns="http://www.topografix.com/GPX/1/1" version="1.1" creator="Hiking App 3.2" '
            'xmlns:gpxtpx="http://www.garmin.com/xmlschemas/TrackPointExtension/v2">\n'
            '  <metadata><name>Two Lakes Hike</name><time>2024-07-20T09:00:00+02:00</time></metadata>\n'
            '  <wpt lat="46.5" lon="8.0"><name>Hut</name></wpt>\n'
            + track("Afternoon", afternoon, 46.5600, 8.0100)
            + track("Morning", morning, 46.5500, 8.0000)
            + '</gpx>\n')
    write("gpx/multi-segment-hike.gpx", text)


def gpx10_walk():
    start = dt.datetime(2023, 10, 3, 17, 45, 0, tzinfo=dt.timezone.utc)
    out = ['<?xml version="1.0" encoding="ISO-8859-1"?>\n'
           '<gpx version="1.0" creator="GPSBabel - http://www.gpsbabel.org" '
           'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns="http://www.topografix.com/GPX/1/0" '
           'xsi:schemaLocation="http://www.topografix.com/GPX/1/0 http://www.topografix.com/GPX/1/0/gpx.xsd">\n',
           '<name>Evening walk by the M\u00fchle</name>\n', f'<time>{iso(start)}</time>\n',
           '<bounds minlat="51.0" minlon="13.0" maxlat="51.1" maxlon="13.1"/>\n', '<trk>\n<trkseg>\n']
    for t, lat, lon, ele, _, v in walk(300, 51.0504, 13.7373, 1.4, start, step=2.0, heading=300):
        out.append(f'<trkpt lat="{lat:.6f}" lon="{lon:.6f}">\n  <ele>{ele - 300:.3f}</ele>\n  <time>{iso(t)}</time>\n'
                   f'  <course>{random.uniform(0, 360):.1f}</course>\n  <speed>{v:.3f}</speed>\n  <sat>9</sat>\n</trkpt>\n')
    out.append('</trkseg>\n</trk>\n</gpx>\n')
    with open(os.path.join(ROOT, "gpx/gpx10-walk.gpx"), "w", encoding="iso-8859-1", newline="\n") as f:
        f.write("".join(out))


def route_only():
    write("gpx/route-only.gpx", '<?xml version="1.0" encoding="UTF-8"?>\n'
          '<gpx version="1.1" creator="Route Planner" xmlns="http://www.topografix.com/GPX/1/1">\n'
          '  <metadata><name>Planned loop</name></metadata>\n'
          '  <wpt lat="47.0" lon="8.0"><name>Start</name></wpt>\n'
          '  <rte><name>Loop</name><rtept lat="47.0" lon="8.0"/><rtept lat="47.01" lon="8.01"/>'
          '<rtept lat="47.0" lon="8.02"/></rte>\n</gpx>\n')


TCX_HEAD = ('<?xml version="1.0" encoding="UTF-8"?>\n'
            '<TrainingCenterDatabase xsi:schemaLocation="http://www.garmin.com/xmlschemas/TrainingCenterDatabase/v2 '
            'http://www.garmin.com/xmlschemas/TrainingCenterDatabasev2.xsd" '
            'xmlns:ns5="http://www.garmin.com/xmlschemas/ActivityGoals/v1" '
            'xmlns:ns3="http://www.garmin.com/xmlschemas/ActivityExtension/v2" '
            'xmlns:ns2="http://www.garmin.com/xmlschemas/UserProfile/v2" '
            'xmlns="http://www.garmin.com/xmlschemas/TrainingCenterDatabase/v2" '
            'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
            'xmlns:ns4="http://www.garmin.com/xmlschemas/ProfileExtension/v1">\n')


def garmin_tcx_two_laps():
    start = dt.datetime(2024, 3, 9, 8, 0, 0, tzinfo=dt.timezone.utc)
    points = list(walk(400, 52.5200, 13.4050, 3.3, start))
    out = [TCX_HEAD, '  <Activities>\n    <Activity Sport="Running">\n', f'      <Id>{iso(start, True)}</Id>\n']
    for lap in range(2):
        chunk = points[lap * 200:(lap + 1) * 200]
        lap_start = chunk[0][0]
        first_distance = points[lap * 200 - 1][4] if lap else 0.0
        hrs = [hr_at(lap * 200 + i) for i in range(len(chunk))]
        out.append(f'      <Lap StartTime="{iso(lap_start, True)}">\n'
                   f'        <TotalTimeSeconds>{len(chunk):.1f}</TotalTimeSeconds>\n'
                   f'        <DistanceMeters>{chunk[-1][4] - first_distance:.2f}</DistanceMeters>\n'
                   f'        <MaximumSpeed>{max(p[5] for p in chunk):.3f}</MaximumSpeed>\n'
                   f'        <Calories>{48 + lap * 3}</Calories>\n'
                   f'        <AverageHeartRateBpm>\n          <Value>{round(sum(hrs) / len(hrs))}</Value>\n'
                   '        </AverageHeartRateBpm>\n'
                   f'        <MaximumHeartRateBpm>\n          <Value>{max(hrs)}</Value>\n        </MaximumHeartRateBpm>\n'
                   '        <Intensity>Active</Intensity>\n'
                   f'        <TriggerMethod>{"Distance" if lap == 0 else "Manual"}</TriggerMethod>\n'
                   '        <Track>\n')
        for (t, lat, lon, ele, dist, v), hr in zip(chunk, hrs):
            out.append('          <Trackpoint>\n'
                       f'            <Time>{iso(t, True)}</Time>\n'
                       f'            <Position>\n              <LatitudeDegrees>{lat:.14f}</LatitudeDegrees>\n'
                       f'              <LongitudeDegrees>{lon:.14f}</LongitudeDegrees>\n            </Position>\n'
                       f'            <AltitudeMeters>{ele - 370:.14f}</AltitudeMeters>\n'
                       f'            <DistanceMeters>{dist:.2f}</DistanceMeters>\n'
                       f'            <HeartRateBpm>\n              <Value>{hr}</Value>\n            </HeartRateBpm>\n'
                       '            <Extensions>\n              <ns3:TPX>\n'
                       f'                <ns3:Speed>{v:.3f}</ns3:Speed>\n'
                       f'                <ns3:RunCadence>{86 + random.randint(-2, 2)}</ns3:RunCadence>\n'
                       '              </ns3:TPX>\n            </Extensions>\n          </Trackpoint>\n')
        out.append('        </Track>\n        <Extensions>\n          <ns3:LX>\n'
                   '            <ns3:AvgSpeed>3.3</ns3:AvgSpeed>\n          </ns3:LX>\n        </Extensions>\n'
                   '      </Lap>\n')
    out.append('      <Creator xsi:type="Device_t">\n        <Name>Forerunner 255</Name>\n'
               '        <UnitId>3442012345</UnitId>\n        <ProductID>3992</ProductID>\n'
               '        <Version>\n          <VersionMajor>19</VersionMajor>\n          <VersionMinor>18</VersionMinor>\n'
               '          <BuildMajor>0</BuildMajor>\n          <BuildMinor>0</BuildMinor>\n        </Version>\n'
               '      </Creator>\n    </Activity>\n  </Activities>\n'
               '  <Author xsi:type="Application_t">\n    <Name>Connect Api</Name>\n    <Build>\n      <Version>\n'
               '        <VersionMajor>0</VersionMajor>\n        <VersionMinor>0</VersionMinor>\n'
               '      </Version>\n    </Build>\n    <LangID>en</LangID>\n    <PartNumber>006-D2449-00</PartNumber>\n'
               '  </Author>\n</TrainingCenterDatabase>\n')
    write("tcx/garmin-run-two-laps.tcx", "".join(out))


def indoor_ride():
    start = dt.datetime(2024, 1, 14, 18, 0, 0, tzinfo=dt.timezone.utc)
    out = [TCX_HEAD, '  <Activities>\n    <Activity Sport="Biking">\n', f'      <Id>{iso(start)}</Id>\n',
           f'      <Lap StartTime="{iso(start)}">\n        <TotalTimeSeconds>300</TotalTimeSeconds>\n'
           '        <DistanceMeters>2700</DistanceMeters>\n        <Calories>61</Calories>\n'
           '        <Intensity>Active</Intensity>\n        <TriggerMethod>Manual</TriggerMethod>\n        <Track>\n']
    dist = 0.0
    for i in range(300):
        t = start + dt.timedelta(seconds=i)
        v = 9.0 + random.gauss(0, 0.2)
        dist += v
        out.append(f'          <Trackpoint><Time>{iso(t)}</Time><DistanceMeters>{dist:.1f}</DistanceMeters>'
                   f'<HeartRateBpm><Value>{hr_at(i, 100, 145)}</Value></HeartRateBpm><Cadence>{90 + random.randint(-3, 3)}</Cadence>'
                   f'<Extensions><TPX xmlns="http://www.garmin.com/xmlschemas/ActivityExtension/v2"><Speed>{v:.2f}</Speed>'
                   f'<Watts>{int(230 + random.gauss(0, 12))}</Watts></TPX></Extensions></Trackpoint>\n')
    out.append('        </Track>\n      </Lap>\n      <Notes>Zwift &#8211; Watopia <![CDATA[Flat & Fast]]></Notes>\n'
               '    </Activity>\n  </Activities>\n</TrainingCenterDatabase>\n')
    write("tcx/indoor-ride.tcx", "".join(out))


def courses():
    write("tcx/course-only.tcx", TCX_HEAD + '  <Courses>\n    <Course>\n      <Name>Loop</Name>\n      <Track>\n'
          '        <Trackpoint><Time>2024-01-01T00:00:00Z</Time><Position><LatitudeDegrees>47</LatitudeDegrees>'
          '<LongitudeDegrees>8</LongitudeDegrees></Position></Trackpoint>\n      </Track>\n    </Course>\n'
          '  </Courses>\n</TrainingCenterDatabase>\n')


def gzip_fixtures():
    with open(os.path.join(ROOT, "gpx/strava-ride-power.gpx"), "rb") as f:
        data = f.read()
    with open(os.path.join(ROOT, "gpx/strava-ride-power.gpx.gz"), "wb") as f:
        f.write(gzip.compress(data, mtime=0))
    half = len(data) // 2
    with open(os.path.join(ROOT, "gpx/strava-ride-power.multimember.gpx.gz"), "wb") as f:
        f.write(gzip.compress(data[:half], mtime=0) + gzip.compress(data[half:], mtime=0))


if __name__ == "__main__":
    garmin_run()
    strava_ride()
    multi_segment_hike()
    gpx10_walk()
    route_only()
    garmin_tcx_two_laps()
    indoor_ride()
    courses()
    gzip_fixtures()
