import socket, struct, sys
def name(n):
    return b"".join(bytes([len(p)])+p.encode() for p in n.split(".") if p)+b"\0"
q = struct.pack(">HHHHHH", 1234, 0x0100, 1, 0, 0, 0) + name("web.default.svc.cluster.local") + struct.pack(">HH", 1, 1)
if sys.argv[1] == "server":
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("0.0.0.0", 5353))
    d, a = s.recvfrom(2048)
    qid = struct.unpack(">H", d[:2])[0]
    resp = struct.pack(">HHHHHH", qid, 0x8580, 1, 1, 0, 0) + d[12:] + b"\xc0\x0c" + struct.pack(">HHIH", 1, 1, 30, 4) + socket.inet_aton("192.168.231.166")
    s.sendto(resp, a)
else:
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("172.16.120.61", 40005)); s.settimeout(1)
    s.sendto(q, ("172.16.120.63", 53)); print(s.recvfrom(2048))
