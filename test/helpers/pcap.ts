/**
 * Reading what `tcpdump -w` captured (the classic pcap format, not pcapng), for
 * the capture test of issue 10: each packet's bytes, and each TCP connection's
 * byte streams put back together, so a search can find a secret that a segment
 * boundary split in two. IPv4 over Ethernet only: the namespace LAN carries nothing else
 * (scripts/lan-sim.sh); other packets are counted and skipped.
 */

/** pcap's magic numbers (microsecond and nanosecond timestamps), as read little-endian. */
const MAGIC_US = 0xa1b2c3d4;
const MAGIC_NS = 0xa1b23c4d;
const GLOBAL_HEADER_BYTES = 24;
const RECORD_HEADER_BYTES = 16;
/** LINKTYPE_ETHERNET. */
const LINK_ETHERNET = 1;
const ETHERNET_HEADER_BYTES = 14;
const ETHERTYPE_IPV4 = 0x0800;
const ETHERTYPE_VLAN = 0x8100;
const IP_TCP = 6;
const IP_UDP = 17;

export interface Packet {
  /** The whole captured frame, Ethernet header included. */
  frame: Buffer;
  protocol: 'tcp' | 'udp';
  src: string;
  dst: string;
  srcPort: number;
  dstPort: number;
  payload: Buffer;
  /** TCP only: the sequence number of the payload's first byte. */
  seq: number;
}

export interface Capture {
  packets: Packet[];
  /** Frames that were not IPv4 TCP or UDP over Ethernet (ARP, IPv6 ...). */
  skipped: number;
}

/** Parses a pcap file's bytes. Throws on a format it does not know. */
export function parsePcap(file: Buffer): Capture {
  if (file.length < GLOBAL_HEADER_BYTES) throw new Error('pcap: shorter than its header');
  const magic = file.readUInt32LE(0);
  let le: boolean;
  if (magic === MAGIC_US || magic === MAGIC_NS) le = true;
  else if (file.readUInt32BE(0) === MAGIC_US || file.readUInt32BE(0) === MAGIC_NS) le = false;
  else throw new Error(`pcap: unknown magic ${magic.toString(16)} (pcapng is not read here)`);
  const u32 = (at: number) => (le ? file.readUInt32LE(at) : file.readUInt32BE(at));
  const linkType = u32(20) & 0xffff;
  if (linkType !== LINK_ETHERNET) throw new Error(`pcap: link type ${linkType}, not Ethernet`);
  const packets: Packet[] = [];
  let skipped = 0;
  // A record cut short (tcpdump killed mid-write) ends the file: the rest is not read.
  for (let at = GLOBAL_HEADER_BYTES; at + RECORD_HEADER_BYTES <= file.length; ) {
    const captured = u32(at + 8);
    const start = at + RECORD_HEADER_BYTES;
    if (start + captured > file.length) break;
    const frame = file.subarray(start, start + captured);
    at = start + captured;
    const packet = parseEthernet(frame);
    if (packet === null) skipped++;
    else packets.push(packet);
  }
  return { packets, skipped };
}

function parseEthernet(frame: Buffer): Packet | null {
  let at = ETHERNET_HEADER_BYTES;
  if (frame.length < at) return null;
  let type = frame.readUInt16BE(12);
  if (type === ETHERTYPE_VLAN && frame.length >= at + 4) {
    type = frame.readUInt16BE(16);
    at += 4;
  }
  if (type !== ETHERTYPE_IPV4 || frame.length < at + 20) return null;
  const ihl = (frame[at]! & 0x0f) * 4;
  const total = frame.readUInt16BE(at + 2);
  const protocol = frame[at + 9];
  const src = [...frame.subarray(at + 12, at + 16)].join('.');
  const dst = [...frame.subarray(at + 16, at + 20)].join('.');
  const ip = frame.subarray(at, Math.min(frame.length, at + total));
  const l4 = ip.subarray(ihl);
  if (protocol === IP_TCP && l4.length >= 20) {
    const dataOffset = (l4[12]! >> 4) * 4;
    return {
      frame,
      protocol: 'tcp',
      src,
      dst,
      srcPort: l4.readUInt16BE(0),
      dstPort: l4.readUInt16BE(2),
      seq: l4.readUInt32BE(4),
      payload: l4.subarray(dataOffset),
    };
  }
  if (protocol === IP_UDP && l4.length >= 8) {
    return {
      frame,
      protocol: 'udp',
      src,
      dst,
      srcPort: l4.readUInt16BE(0),
      dstPort: l4.readUInt16BE(2),
      seq: 0,
      payload: l4.subarray(8),
    };
  }
  return null;
}

export interface TcpStream {
  /** 'src:port>dst:port': one direction of one connection. */
  key: string;
  src: string;
  dst: string;
  srcPort: number;
  dstPort: number;
  /** The payload bytes in sequence order, each once (retransmissions dropped). */
  bytes: Buffer;
  /** Bytes missing between captured segments (0 when nothing was lost). */
  missing: number;
}

/**
 * Each direction of each TCP connection as one byte stream, in sequence order.
 * Sequence numbers are taken relative to the first segment seen, which is the
 * SYN when the capture started before the connection did.
 */
export function tcpStreams(capture: Capture): TcpStream[] {
  const flows = new Map<string, Packet[]>();
  for (const p of capture.packets) {
    if (p.protocol !== 'tcp') continue;
    const key = `${p.src}:${p.srcPort}>${p.dst}:${p.dstPort}`;
    let list = flows.get(key);
    if (list === undefined) {
      list = [];
      flows.set(key, list);
    }
    list.push(p);
  }
  const streams: TcpStream[] = [];
  for (const [key, packets] of flows) {
    const first = packets[0]!;
    const base = first.seq;
    // Relative, modulo 2^32: a connection here carries far less than 4 GiB.
    const segments = packets
      .filter((p) => p.payload.length > 0)
      .map((p) => ({ at: (p.seq - base) >>> 0, payload: p.payload }))
      .sort((a, b) => a.at - b.at);
    const parts: Buffer[] = [];
    let end = segments[0]?.at ?? 0;
    let missing = 0;
    for (const s of segments) {
      if (s.at > end) {
        missing += s.at - end;
        end = s.at;
      }
      const fresh = s.payload.subarray(end - s.at);
      if (fresh.length > 0) {
        parts.push(fresh);
        end += fresh.length;
      }
    }
    streams.push({
      key,
      src: first.src,
      dst: first.dst,
      srcPort: first.srcPort,
      dstPort: first.dstPort,
      bytes: Buffer.concat(parts),
      missing,
    });
  }
  return streams;
}
