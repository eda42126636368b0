# Writes pcap files with hand-built IPv4 packets so tcpdump's printer can be observed offline.
import struct, socket, sys
def csum(b):
    if len(b) % 2: b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b)//2), b)); s = (s >> 16) + (s & 0xffff); s += s >> 16
    return (~s) & 0xffff
def ip(src, dst, proto, payload, ttl=64, ident=0, df=True, tos=0):
    h = struct.pack("!BBHHHBBH4s4s", 0x45, tos, 20+len(payload), ident, 0x4000 if df else 0, ttl, proto, 0, socket.inet_aton(src), socket.inet_aton(dst))
    h = h[:10] + struct.pack("!H", csum(h)) + h[12:]
    return h + payload
def tcp(sport, dport, seq, ack, flags, win, opts=b"", data=b""):
    while len(opts) % 4: opts += b"\1"
    off = (20+len(opts))//4
    return struct.pack("!HHIIBBHHH", sport, dport, seq, ack, off << 4, flags, win, 0, 0) + opts + data
SYN_OPTS = struct.pack("!BBH", 2, 4, 1440) + b"\x04\x02" + struct.pack("!BBII", 8, 10, 1, 0) + b"\x01" + b"\x03\x03\x07"
def pcap(path, linktype, pkts):
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 262144, linktype))
        for i, p in enumerate(pkts):
            f.write(struct.pack("<IIII", 1700000000 + i, 123456, len(p), len(p)) + p)
eth = lambda p: b"\x02\0\0\0\0\x02" + b"\x02\0\0\0\0\x01" + b"\x08\x00" + p
syn = ip("192.168.56.128", "192.168.231.166", 6, tcp(40123, 80, 123456, 0, 0x02, 64800, SYN_OPTS))
outer = ip("172.16.120.63", "172.16.120.64", 4, syn)
synack = ip("192.168.231.166", "192.168.56.128", 6, tcp(80, 40123, 999, 123457, 0x12, 64260, SYN_OPTS))
outer2 = ip("172.16.120.64", "172.16.120.63", 4, synack)
unreach = ip("172.16.120.63", "172.16.120.61", 1, struct.pack("!BBHI", 3, 3, 0, 0) + ip("172.16.120.61", "10.96.0.5", 6, tcp(51234, 80, 7, 0, 2, 64240, SYN_OPTS)))
echo = ip("192.168.56.128", "192.168.231.166", 1, struct.pack("!BBHHH", 8, 0, 0, 7, 1) + b"\0"*56)
nf = ip("10.96.0.5", "172.16.120.61", 1, struct.pack("!BBHI", 3, 1, 0, 0) + ip("172.16.120.61", "10.96.0.5", 6, tcp(51234, 80, 7, 0, 2, 64240, SYN_OPTS)))
pcap("run4/ipip-eth.pcap", 1, [eth(outer), eth(outer2), eth(unreach), eth(echo), eth(nf)])
pcap("run4/tunl0-raw.pcap", 101, [syn, synack])
