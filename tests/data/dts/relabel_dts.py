#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
# Rewrites the DTS track of an MP4 written by FFmpeg (sample entry 'mp4a' whose esds gives object
# type 0xA9, the only way FFmpeg 5.1 writes DTS) into the sample entry other muxers (MP4Box,
# L-SMASH, Bento4) write: 'dtsc', 'dtsh', 'dtse' or 'dtsl' with a DTSSpecificBox 'ddts'
# (ETSI TS 102 114 Annex E). The audio is not touched: this makes container inputs for tests.
# 'dtsx' (DTS:X, DTS-UHD) takes a 'udts' box of ETSI TS 103 491, which a core stream cannot fill:
# the 'dtsx' written here is a stand-in with the core's 'ddts', for testing that an entry FFmpeg 5.1
# has no codec for is carried all the same.
#   relabel_dts.py IN OUT ENTRY
# IN must have its moov after its mdat (FFmpeg's default), so no chunk offset moves.
import struct
import sys

CONTAINERS = {b'moov', b'trak', b'mdia', b'minf', b'stbl'}


def boxes(data, start, end):
    at = start
    while at + 8 <= end:
        size, kind = struct.unpack('>I4s', data[at:at + 8])
        if size < 8 or at + size > end:
            sys.exit('broken box at %d' % at)
        yield kind, at, size
        at += size


def path_to_stsd(data):
    # The chain moov/trak/mdia/minf/stbl/stsd of the first track whose first entry is DTS as mp4a.
    def walk(start, end, chain):
        for kind, at, size in boxes(data, start, end):
            if kind == b'stsd':
                entry = at + 16
                if data[entry + 4:entry + 8] == b'mp4a' and data.find(b'esds', entry, at + size) > 0:
                    return chain + [(kind, at, size)]
            elif kind in CONTAINERS:
                found = walk(at + 8, at + size, chain + [(kind, at, size)])
                if found:
                    return found
        return None
    return walk(0, len(data), [])


def core_header(frame):
    # ETSI TS 102 114 5.3.1, after SYNC (32 bits): FTYPE (1) SHORT (5) CPF (1) NBLKS (7) FSIZE (14)
    # AMODE (6) SFREQ (4) RATE (5) FixedBit (1) DYNF (1) TIMEF (1) AUXF (1) HDCD (1)
    # EXT_AUDIO_ID (3) EXT_AUDIO (1) ASPF (1) LFF (2): LFF at bit 53.
    if frame[:4] != b'\x7f\xfe\x80\x01':
        sys.exit('first sample is not a DTS core frame')
    bits = int.from_bytes(frame[4:12], 'big')
    field = lambda pos, width: (bits >> (64 - pos - width)) & ((1 << width) - 1)
    nblks = field(7, 7) + 1  # PCM sample blocks of 32 samples
    return {'frame_samples': nblks * 32, 'frame_bytes': field(14, 14) + 1, 'amode': field(28, 6),
            'lfe': field(53, 2) != 0}


def ddts(sample_rate, avg_bitrate, header, construction):
    # ETSI TS 102 114 Annex E.2, DTSSpecificBox ('ddts'), 20 bytes of payload:
    #   DTSSamplingFrequency (32)  the highest sampling frequency in the stream
    #   maxBitrate (32), avgBitrate (32)  bits per second (the same for a constant rate)
    #   pcmSampleDepth (8)         16 or 24
    #   FrameDuration (2)          0: 512, 1: 1024, 2: 2048, 3: 4096 samples per access unit
    #   StreamConstruction (5)     which substreams and extensions make up the stream (Table E.1):
    #                              1 is a core substream holding core only; 0 is "not one of the
    #                              table's constructions"
    #   CoreLFEPresent (1)         the core has an LFE channel
    #   CoreLayout (6)             the core's AMODE (2: L, R)
    #   CoreSize (14)              bytes of one core frame (its FSIZE + 1)
    #   StereoDownmix (1)          an embedded stereo downmix is present
    #   RepresentationType (3)     0: not a special representation (e.g. not Lt/Rt)
    #   ChannelLayout (16)         loudspeaker mask: 0x1 C, 0x2 L/R, 0x4 Ls/Rs, 0x8 LFE1, ...
    #   MultiAssetFlag (1), LBRDurationMod (1), ReservedBoxPresent (1), Reserved (5)
    duration_code = {512: 0, 1024: 1, 2048: 2, 4096: 3}[header['frame_samples']]
    layout = {0: 0x1, 1: 0x2, 2: 0x2, 3: 0x2, 4: 0x2, 5: 0x3, 6: 0x6, 7: 0x7, 8: 0x6, 9: 0x7}[header['amode']]
    if header['lfe']:
        layout |= 0x8
    bits = duration_code
    bits = (bits << 5) | construction
    bits = (bits << 1) | int(header['lfe'])
    bits = (bits << 6) | header['amode']
    bits = (bits << 14) | (header['frame_bytes'] & 0x3fff)
    bits = (bits << 1) | 0       # StereoDownmix
    bits = (bits << 3) | 0       # RepresentationType
    bits = (bits << 16) | layout
    bits = (bits << 8) | 0       # MultiAssetFlag, LBRDurationMod, ReservedBoxPresent, Reserved
    payload = struct.pack('>IIIB', sample_rate, avg_bitrate, avg_bitrate, 16) + bits.to_bytes(7, 'big')
    return struct.pack('>I4s', 8 + len(payload), b'ddts') + payload


def main():
    if len(sys.argv) != 4 or sys.argv[3] not in ('dtsc', 'dtsh', 'dtse', 'dtsl', 'dtsx'):
        sys.exit('usage: relabel_dts.py IN OUT dtsc|dtsh|dtse|dtsl|dtsx')
    data = open(sys.argv[1], 'rb').read()
    kind = sys.argv[3].encode()
    chain = path_to_stsd(data)
    if not chain:
        sys.exit('no DTS track written as mp4a')
    mdat = [at for k, at, _ in boxes(data, 0, len(data)) if k == b'mdat']
    if not mdat or mdat[0] > chain[0][1]:
        sys.exit('moov must follow mdat')
    stsd_at, stsd_size = chain[-1][1], chain[-1][2]
    entry_at = stsd_at + 16
    entry_size = struct.unpack('>I', data[entry_at:entry_at + 4])[0]
    entry = data[entry_at:entry_at + entry_size]
    audio = entry[8:36]  # AudioSampleEntry fields: reserved, data_reference_index, channels, size, rate
    sample_rate = struct.unpack('>I', audio[24:28])[0] >> 16
    esds_at = entry.find(b'esds') - 4
    esds = entry[esds_at:esds_at + struct.unpack('>I', entry[esds_at:esds_at + 4])[0]]
    # DecoderConfigDescriptor (tag 4, FFmpeg writes 4-byte lengths): objectTypeIndication,
    # streamType, bufferSizeDB (24), maxBitrate (32), avgBitrate (32).
    oti_at = esds.find(b'\x04\x80\x80\x80')
    if oti_at < 0 or esds[oti_at + 5] != 0xA9:
        sys.exit('the mp4a entry is not DTS (object type 0xA9)')
    avg_bitrate = struct.unpack('>I', esds[oti_at + 14:oti_at + 18])[0]
    others = b''.join(entry[at:at + size] for k, at, size in boxes(entry, 36, len(entry)) if k != b'esds')
    mdat_payload = mdat[0] + 8
    header = core_header(data[mdat_payload:mdat_payload + 12])
    construction = 1 if kind == b'dtsc' else 0
    new_entry_body = audio + ddts(sample_rate, avg_bitrate, header, construction) + others
    new_entry = struct.pack('>I4s', 8 + len(new_entry_body), kind) + new_entry_body
    delta = len(new_entry) - len(entry)
    out = bytearray(data[:entry_at] + new_entry + data[entry_at + entry_size:])
    for _, at, size in chain:
        struct.pack_into('>I', out, at, size + delta)
    open(sys.argv[2], 'wb').write(out)


main()
