"""Downloads a .torrent or a magnet link (metadata over BEP 9) with python3-libtorrent (TCP on loopback) into
SAVE_PATH; exits 0 once it is complete.

usage: /usr/bin/python3 libtorrent_download.py TORRENT|MAGNET SAVE_PATH [SECONDS]
"""
import sys
import time

import libtorrent as lt

torrent, save_path = sys.argv[1], sys.argv[2]
limit = float(sys.argv[3]) if len(sys.argv) > 3 else 120
session = lt.session({"enable_dht": False, "enable_lsd": False, "enable_upnp": False, "enable_natpmp": False,
                      "listen_interfaces": "127.0.0.1:0", "enable_outgoing_utp": False, "enable_incoming_utp": False,
                      "allow_multiple_connections_per_ip": True, "alert_mask": 0})
if torrent.startswith("magnet:"):
    params = lt.parse_magnet_uri(torrent)
    params.save_path = save_path
    handle = session.add_torrent(params)
else:
    handle = session.add_torrent({"ti": lt.torrent_info(torrent), "save_path": save_path})
deadline = time.time() + limit
while time.time() < deadline:
    status = handle.status()
    if status.has_metadata and status.is_seeding:
        print(f"complete: {status.total_wanted} bytes")
        sys.exit(0)
    time.sleep(0.1)
sys.exit(f"incomplete after {limit} s: {handle.status().progress:.2%}")
