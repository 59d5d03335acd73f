"""Asks libtorrent to check local data against a .torrent; prints 'valid N of M' and exits 0 only if all match.

usage: /usr/bin/python3 libtorrent_check.py TORRENT SAVE_PATH
"""
import sys
import time

import libtorrent as lt

torrent, save_path = sys.argv[1], sys.argv[2]
info = lt.torrent_info(torrent)
session = lt.session({"enable_dht": False, "enable_lsd": False, "enable_upnp": False, "enable_natpmp": False,
                      "listen_interfaces": "127.0.0.1:0", "alert_mask": lt.alert_category.status})
handle = session.add_torrent({"ti": info, "save_path": save_path})
deadline = time.time() + 120
checked = False
while not checked and time.time() < deadline:
    session.wait_for_alert(500)
    checked = any(isinstance(alert, lt.torrent_checked_alert) for alert in session.pop_alerts())
status = handle.status()
print(f"valid {status.num_pieces} of {info.num_pieces()} info-hash {info.info_hashes().v1}")
sys.exit(0 if checked and status.num_pieces == info.num_pieces() else 1)
