"""Seeds a .torrent from a plain folder with python3-libtorrent (TCP on loopback) until killed; touches READY once
it is seeding and has announced.

usage: /usr/bin/python3 libtorrent_seed.py TORRENT SAVE_PATH READY
"""
import sys
import time

import libtorrent as lt

torrent, save_path, ready = sys.argv[1], sys.argv[2], sys.argv[3]
session = lt.session({"enable_dht": False, "enable_lsd": False, "enable_upnp": False, "enable_natpmp": False,
                      "listen_interfaces": "127.0.0.1:0", "enable_outgoing_utp": False, "enable_incoming_utp": False,
                      "alert_mask": lt.alert_category.status | lt.alert_category.tracker})
handle = session.add_torrent({"ti": lt.torrent_info(torrent), "save_path": save_path,
                              "flags": lt.torrent_flags.seed_mode})
announced = False
deadline = time.time() + 60
while time.time() < deadline and not announced:
    session.wait_for_alert(200)
    announced = any(isinstance(a, lt.tracker_reply_alert) for a in session.pop_alerts())
if not (announced and handle.status().is_seeding):
    sys.exit("the seeder did not announce")
open(ready, "w").close()
while True:
    time.sleep(3600)
