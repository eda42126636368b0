exec(open("mkpcap.py").read().split("eth = lambda")[0])
eth = lambda p: b"\x02\0\0\0\0\x02" + b"\x02\0\0\0\0\x01" + b"\x08\x00" + p
req = b"GET / HTTP/1.1\r\nHost: x\r\n\r\n"
pk = []
for port in (80, 8080, 8000, 3128, 443, 31000):
    pk.append(eth(ip("10.0.0.1", "10.0.0.2", 6, tcp(40000, port, 1, 1, 0x18, 502, b"", req))))
pk.append(eth(ip("10.0.0.1", "10.0.0.2", 6, tcp(40000, 80, 1, 1, 0x18, 502, b"", b"hello\r\n"))))
pk.append(eth(ip("10.0.0.1", "10.0.0.2", 6, tcp(40000, 80, 1, 1, 0x04, 0, b"", b""))))
pk.append(eth(ip("10.0.0.1", "10.0.0.2", 6, tcp(40000, 80, 1, 1, 0x14, 0, b"", b""))))
pk.append(eth(ip("10.0.0.1", "10.0.0.2", 6, tcp(40000, 80, 5, 9, 0x11, 502, b"", b""))))
pk.append(eth(ip("10.0.0.1", "10.0.0.2", 6, tcp(40000, 80, 5, 9, 0x29, 502, b"", b"ab"))))
pcap("run4/http-ports.pcap", 1, pk)
