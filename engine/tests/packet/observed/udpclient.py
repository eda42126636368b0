import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("172.16.120.61", int(sys.argv[3])))
s.settimeout(1)
s.sendto(b"x"*int(sys.argv[4]), (sys.argv[1], int(sys.argv[2])))
try: print(s.recvfrom(2048))
except Exception as e: print(e)
