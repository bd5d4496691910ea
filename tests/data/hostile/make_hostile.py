#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
# Writes the hostile MP4 files of this folder from ../sample.mp4: its first track's headers and
# sample description, with sample tables and edit lists rewritten to ask the demuxer for far more
# memory than the file justifies. Run from this folder: python3 make_hostile.py
# `make_hostile.py --many-segments OUT` writes a larger one (100 KB) to OUT instead, for a test to
# generate: 100,001 one-byte key frames of 10 s each, one segment each.
import os
import struct
import sys

src = open(os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'sample.mp4'), 'rb').read()


def box(kind, payload):
    return struct.pack('>I4s', 8 + len(payload), kind) + payload


def full(kind, payload):
    return box(kind, b'\0\0\0\0' + payload)


def children(data, start, end):
    out, at = [], start
    while at + 8 <= end:
        size, kind = struct.unpack('>I4s', data[at:at + 8])
        out.append((kind, at, size))
        at += size
    return out


def child(data, parent, kind):
    return [c for c in children(data, parent[1] + 8, parent[1] + parent[2]) if c[0] == kind][0]


def raw(c):
    return src[c[1]:c[1] + c[2]]


moov = [c for c in children(src, 0, len(src)) if c[0] == b'moov'][0]
mvhd = child(src, moov, b'mvhd')
trak = child(src, moov, b'trak')
mdia = child(src, trak, b'mdia')
minf = child(src, mdia, b'minf')
stbl = child(src, minf, b'stbl')
movie_timescale = struct.unpack('>I', raw(mvhd)[20:24])[0]
media_timescale = struct.unpack('>I', raw(child(src, mdia, b'mdhd'))[20:24])[0]


def write(name, count, fixed_size, edits, edit_seconds, sample_seconds=0.04, data_bytes=200):
    sizes = struct.pack('>II', fixed_size, count) + (b'' if fixed_size else struct.pack('>I', 1) * count)
    table = (raw(child(src, stbl, b'stsd')) + full(b'stts', struct.pack('>III', 1, count, int(media_timescale * sample_seconds))) +
             full(b'stsc', struct.pack('>IIII', 1, 1, count, 1)) + full(b'stsz', sizes) +
             full(b'stco', struct.pack('>II', 1, 0xAAAAAAAA)))
    new_minf = box(b'minf', b''.join(raw(c) for c in children(src, minf[1] + 8, minf[1] + minf[2])
                                     if c[0] != b'stbl') + box(b'stbl', table))
    new_mdia = box(b'mdia', raw(child(src, mdia, b'mdhd')) + raw(child(src, mdia, b'hdlr')) + new_minf)
    entry = struct.pack('>IiI', int(edit_seconds * movie_timescale), 0, 0x10000)
    edts = box(b'edts', full(b'elst', struct.pack('>I', edits) + entry * edits)) if edits else b''
    new_trak = box(b'trak', raw(child(src, trak, b'tkhd')) + edts + new_mdia)
    head = src[0:32] + box(b'moov', raw(mvhd) + new_trak)
    head = head.replace(struct.pack('>I', 0xAAAAAAAA), struct.pack('>I', len(head) + 8))
    data = src[moov[1] + moov[2] + 8:][:data_bytes]
    open(name, 'wb').write(head + box(b'mdat', data))


if len(sys.argv) == 3 and sys.argv[1] == '--many-segments':
    write(sys.argv[2], 100_001, 1, 0, 0, sample_seconds=10, data_bytes=100_001)
    sys.exit(0)


# 50 million samples of 1 byte: a 1.2 GB index for a file of a few kilobytes.
write('fixed-size-count.mp4', 50_000_000, 1, 0, 0)
# 1,000 edits: the demuxer copies the index once per edit.
write('long-edit-list.mp4', 100, 0, 1000, 4)
# 3 edits each playing all 100 samples (4 s): 300 samples played out of 100 stored.
write('repeating-edits.mp4', 100, 0, 3, 4)
