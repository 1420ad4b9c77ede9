// A classic pcap file (link type Ethernet) of whole frames, for tshark to read
// in the tests that use it as an independent dissector.

/** The frames as one pcap file, record i stamped at second i. */
export function pcapFile(frames: Uint8Array[]): Buffer {
  const head = Buffer.alloc(24);
  head.writeUInt32LE(0xa1b2c3d4, 0);
  head.writeUInt16LE(2, 4);
  head.writeUInt16LE(4, 6);
  head.writeUInt32LE(65535, 16);
  head.writeUInt32LE(1, 20);
  const records = frames.map((f, i) => {
    const r = Buffer.alloc(16);
    r.writeUInt32LE(i, 0);
    r.writeUInt32LE(f.length, 8);
    r.writeUInt32LE(f.length, 12);
    return Buffer.concat([r, Buffer.from(f)]);
  });
  return Buffer.concat([head, ...records]);
}
