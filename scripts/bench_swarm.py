"""A BitTorrent swarm for `scripts/bench transfer`, built from python3-libtorrent.

usage:
  bench_swarm.py seed DATA_FILE TORRENT_OUT SEEDERS READY_FILE
      makes a v1 torrent (256 KiB pieces) of DATA_FILE announcing to a small HTTP tracker started here, starts
      SEEDERS libtorrent sessions with high_performance_seed settings seeding DATA_FILE, writes the torrent,
      then touches READY_FILE once every seeder is seeding; runs until killed.
  bench_swarm.py download TORRENT SAVE_DIR
      downloads the torrent with one libtorrent session and prints the seconds it took.
"""
import http.server
import os
import socket
import struct
import sys
import threading
import time
import urllib.parse

import libtorrent as lt

BASE = {"enable_dht": False, "enable_lsd": False, "enable_upnp": False, "enable_natpmp": False,
        "listen_interfaces": "127.0.0.1:0", "alert_mask": lt.alert_category.status | lt.alert_category.error,
        "allow_multiple_connections_per_ip": True,
        # uTP over loopback is far slower than TCP in libtorrent 2.0; both sides use TCP, as zenfs does.
        "enable_outgoing_utp": False, "enable_incoming_utp": False}


def session(high_performance):
    settings = dict(lt.high_performance_seed()) if high_performance else {}
    settings.update(BASE)
    return lt.session(settings)


def tracker(peers):
    """Answers every announce with the seeders' addresses (compact form)."""
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            compact = b"".join(socket.inet_aton("127.0.0.1") + struct.pack(">H", port) for port in peers)
            body = b"d8:intervali60e5:peers%d:%se" % (len(compact), compact)
            try:
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            except OSError:
                pass  # the client hung up

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server.server_address[1]


def seed(data_file, torrent_out, count, ready_file):
    peers = []
    port = tracker(peers)
    storage = lt.file_storage()
    lt.add_files(storage, data_file)
    creator = lt.create_torrent(storage, 256 * 1024, flags=lt.create_torrent.v1_only)
    creator.add_tracker(f"http://127.0.0.1:{port}/announce")
    lt.set_piece_hashes(creator, os.path.dirname(os.path.abspath(data_file)))
    encoded = lt.bencode(creator.generate())
    with open(torrent_out, "wb") as out:
        out.write(encoded)
    info = lt.torrent_info(lt.bdecode(encoded))
    sessions = []
    for _ in range(count):
        s = session(True)
        handle = s.add_torrent({"ti": info, "save_path": os.path.dirname(os.path.abspath(data_file)),
                                "flags": lt.torrent_flags.seed_mode})
        sessions.append((s, handle))
    for s, _ in sessions:
        while not s.listen_port():
            time.sleep(0.05)
        peers.append(s.listen_port())
    while not all(h.status().is_seeding for _, h in sessions):
        time.sleep(0.1)
    open(ready_file, "w").close()
    while True:
        time.sleep(3600)


def download(torrent, save_dir):
    s = session(True)
    info = lt.torrent_info(torrent)
    start = time.time()
    handle = s.add_torrent({"ti": info, "save_path": save_dir})
    while not handle.status().is_seeding:
        s.wait_for_alert(100)
        s.pop_alerts()
    print(f"{time.time() - start:.3f}")


if __name__ == "__main__":
    if sys.argv[1] == "seed":
        seed(sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5])
    elif sys.argv[1] == "download":
        download(sys.argv[2], sys.argv[3])
    else:
        sys.exit(__doc__)
