#!/usr/bin/env python3
# A hostile QEMU guest agent for kvmnetctl bench's tests: listens on SOCK
# (as $KVMNET_GUEST_AGENT_DIR/NAME.sock), answers one command per
# connection as qemu-ga's protocol says, and misbehaves as MODE says:
#   flood     every guest-exec-status says "still running" and carries
#             MIB MiB of out-data (qemu-ga never sends output before exit)
#   huge      the first guest-exec-status is one reply of MIB MiB
#   evil      the process "exits" with code -2 (an errno, were it taken as
#             one) and iperf3's JSON error holds terminal escapes; guest-exec
#             of "kill" fails with a desc that holds some too
#   quiet     a well-behaved iperf3 server: runs for 10 polls, then exits
#   fake-agent.py SOCK MODE [MIB]
import base64, json, os, socket, sys

sock, mode = sys.argv[1], sys.argv[2]
mib = int(sys.argv[3]) if len(sys.argv) > 3 else 2
ESC = "\x1b[2J\x1b]0;pwned\x07\nkvmnetctl bench: all fine\r"
try:
    os.unlink(sock)
except FileNotFoundError:
    pass
srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
srv.bind(sock)
srv.listen(8)
flood = None
polls = 0


def status(exited, out=b"", **extra):
    r = {"exited": exited, **extra}
    if out:
        r["out-data"] = base64.b64encode(out).decode()
    return {"return": r}


def answer(cmd):
    global flood, polls
    name = cmd.get("execute")
    args = cmd.get("arguments", {})
    if name == "guest-info":
        return {"return": {"version": "9.9", "supported_commands": [
            {"name": n, "enabled": True} for n in ("guest-exec", "guest-exec-status")]}}
    if name == "guest-network-get-interfaces":
        return {"return": [{"name": "eth\x1b[31m0", "ip-addresses": [
            {"ip-address-type": "ipv4", "ip-address": a, "prefix": 24} for a in ("192.0.2.1", "192.0.2.2")]}]}
    if name == "guest-exec":
        if mode == "evil" and args.get("path") == "kill":
            return {"error": {"class": "GenericError", "desc": "no kill here" + ESC}}
        return {"return": {"pid": 4243 if args.get("path") == "kill" else 4242}}
    if name == "guest-exec-status":
        if mode == "flood":
            if flood is None:
                flood = json.dumps(status(False, b"x" * (mib << 20)))
            return flood
        if mode == "huge":
            return json.dumps(status(True, b"y" * (mib << 20), exitcode=0))
        if mode == "evil":
            doc = json.dumps({"start": {}, "error": "unable to send control message" + ESC}).encode()
            return status(True, doc, exitcode=-2)
        polls += 1
        return status(polls > 10 or args.get("pid") == 4243, exitcode=0)
    return {"error": {"class": "CommandNotFound", "desc": "no " + str(name)}}


while True:
    c, _ = srv.accept()
    with c:
        buf = b""
        while not buf.endswith(b"\n"):
            d = c.recv(65536)
            if not d:
                break
            buf += d
        if not buf:
            continue
        a = answer(json.loads(buf))
        try:
            c.sendall(((a if isinstance(a, str) else json.dumps(a)) + "\n").encode())
        except OSError:
            pass
