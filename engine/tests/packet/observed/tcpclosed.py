import socket, sys
s = socket.socket(); s.settimeout(1); s.bind(("172.16.120.61", int(sys.argv[3])))
try: s.connect((sys.argv[1], int(sys.argv[2])))
except Exception as e: print(e)
