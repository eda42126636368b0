exec(open("mkpcap.py").read().split("eth = lambda")[0])
eth = lambda p: b"\x02\0\0\0\0\x02" + b"\x02\0\0\0\0\x01" + b"\x08\x00" + p
orig = ip("172.16.120.61", "10.96.0.5", 6, tcp(51234, 80, 7, 0, 2, 64240, SYN_OPTS))
pk = []
for t, c in ((3,0),(3,1),(3,13),(11,0),(3,3)):
    pk.append(eth(ip("172.16.120.63", "172.16.120.61", 1, struct.pack("!BBHI", t, c, 0, 0) + orig)))
for fl in (0x30, 0x38, 0xd2, 0x00, 0x52):
    pk.append(eth(ip("10.0.0.1", "10.0.0.2", 6, tcp(1, 2, 5, 9, fl, 502, b"", b""))))
def name(n): return b"".join(bytes([len(p)])+p.encode() for p in n.split(".") if p)+b"\0"
q = name("nope.default.svc.cluster.local") + struct.pack(">HH", 1, 1)
nx = struct.pack(">HHHHHH", 4321, 0x8583, 1, 0, 1, 0) + q + b"\xc0\x0c" + struct.pack(">HHIH", 6, 1, 30, 0)  # bogus SOA, skipped anyway
two = struct.pack(">HHHHHH", 99, 0x8180, 1, 2, 0, 0) + q + (b"\xc0\x0c" + struct.pack(">HHIH", 1, 1, 30, 4) + socket.inet_aton("1.2.3.4")) + (b"\xc0\x0c" + struct.pack(">HHIH", 1, 1, 30, 4) + socket.inet_aton("5.6.7.8"))
udp = lambda sp, dp, d: struct.pack("!HHHH", sp, dp, 8+len(d), 0) + d
pk.append(eth(ip("10.96.0.10", "10.0.0.1", 17, udp(53, 40000, nx))))
pk.append(eth(ip("10.96.0.10", "10.0.0.1", 17, udp(53, 40000, two))))
pk.append(eth(ip("10.0.0.1", "10.96.0.10", 17, udp(40000, 53, struct.pack(">HHHHHH", 5, 0x0000, 1, 0, 0, 0) + q))))
pcap("run4/misc.pcap", 1, pk)
