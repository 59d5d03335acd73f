import GRDB

/// The catalog's schema, one migration per version. Migrations only ever append.
enum CatalogMigrations {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1: elements, metainfo index, namespace") { db in
            try db.execute(
                sql: """
                    CREATE TABLE element (
                        hash BLOB PRIMARY KEY NOT NULL,
                        size INTEGER NOT NULL,
                        kind INTEGER NOT NULL,          -- 0 part, 1 metainfo
                        refs INTEGER NOT NULL DEFAULT 0 -- metainfo pieces and metainfo index rows naming it
                    ) WITHOUT ROWID;

                    CREATE TABLE metainfo (
                        info_hash BLOB PRIMARY KEY NOT NULL,
                        element BLOB NOT NULL REFERENCES element(hash),
                        name TEXT NOT NULL,
                        total_length INTEGER NOT NULL,
                        piece_length INTEGER NOT NULL,
                        piece_count INTEGER NOT NULL,
                        file_count INTEGER NOT NULL,
                        added_at REAL NOT NULL
                    ) WITHOUT ROWID;
                    CREATE INDEX metainfo_name ON metainfo(name);

                    CREATE TABLE metainfo_piece (
                        info_hash BLOB NOT NULL REFERENCES metainfo(info_hash) ON DELETE CASCADE,
                        idx INTEGER NOT NULL,
                        hash BLOB NOT NULL,
                        PRIMARY KEY (info_hash, idx)
                    ) WITHOUT ROWID;
                    CREATE INDEX metainfo_piece_hash ON metainfo_piece(hash);

                    CREATE TABLE metainfo_file (
                        info_hash BLOB NOT NULL REFERENCES metainfo(info_hash) ON DELETE CASCADE,
                        idx INTEGER NOT NULL,
                        path TEXT NOT NULL,
                        length INTEGER NOT NULL,
                        offset INTEGER NOT NULL,
                        is_pad INTEGER NOT NULL,
                        PRIMARY KEY (info_hash, idx)
                    ) WITHOUT ROWID;

                    CREATE TABLE metainfo_field (
                        info_hash BLOB NOT NULL REFERENCES metainfo(info_hash) ON DELETE CASCADE,
                        key TEXT NOT NULL,
                        value TEXT NOT NULL,
                        PRIMARY KEY (info_hash, key)
                    ) WITHOUT ROWID;
                    CREATE INDEX metainfo_field_lookup ON metainfo_field(key, value);

                    CREATE TABLE metainfo_tag (
                        info_hash BLOB NOT NULL REFERENCES metainfo(info_hash) ON DELETE CASCADE,
                        tag TEXT NOT NULL,
                        PRIMARY KEY (info_hash, tag)
                    ) WITHOUT ROWID;
                    CREATE INDEX metainfo_tag_lookup ON metainfo_tag(tag);

                    CREATE TABLE inode (
                        id INTEGER PRIMARY KEY,
                        kind INTEGER NOT NULL,           -- 1 directory, 2 file, 3 symbolic link
                        mode INTEGER NOT NULL,           -- permission bits, 0o7777
                        uid INTEGER NOT NULL DEFAULT 0,
                        gid INTEGER NOT NULL DEFAULT 0,
                        nlink INTEGER NOT NULL DEFAULT 1,
                        size INTEGER NOT NULL DEFAULT 0,
                        atime REAL NOT NULL,
                        mtime REAL NOT NULL,
                        ctime REAL NOT NULL,
                        info_hash BLOB REFERENCES metainfo(info_hash),
                        content_offset INTEGER,          -- where a file's bytes start in its metainfo's stream
                        link_target TEXT                 -- a symbolic link's target
                    );
                    CREATE INDEX inode_info_hash ON inode(info_hash);

                    CREATE TABLE dirent (
                        parent INTEGER NOT NULL REFERENCES inode(id),
                        name TEXT NOT NULL,
                        inode INTEGER NOT NULL REFERENCES inode(id),
                        PRIMARY KEY (parent, name)
                    ) WITHOUT ROWID;
                    CREATE INDEX dirent_inode ON dirent(inode);

                    CREATE TABLE xattr (
                        inode INTEGER NOT NULL REFERENCES inode(id) ON DELETE CASCADE,
                        name TEXT NOT NULL,
                        value BLOB NOT NULL,
                        PRIMARY KEY (inode, name)
                    ) WITHOUT ROWID;

                    INSERT INTO inode (id, kind, mode, nlink, size, atime, mtime, ctime)
                        VALUES (1, 1, 493, 2, 0, strftime('%s','now'), strftime('%s','now'), strftime('%s','now'));

                    CREATE TABLE setting (key TEXT PRIMARY KEY NOT NULL, value TEXT NOT NULL);
                    """
            )
        }
        // Space promised to adds and imports in progress, so concurrent ones cannot together pass the quota.
        migrator.registerMigration("v2: space reservations") { db in
            try db.execute(
                sql: """
                    CREATE TABLE space_reservation (
                        owner TEXT PRIMARY KEY NOT NULL, -- one add or import in progress
                        pid INTEGER NOT NULL,            -- its process, and that process's start time (clock
                        started INTEGER NOT NULL,        -- ticks since boot), so a reused pid is not taken for it
                        bytes INTEGER NOT NULL
                    );
                    """
            )
        }
        // Times become whole nanoseconds (REAL seconds lost the last digits of a time set with `utimensat`), and
        // inodes may be special files: FIFOs, character and block devices (with their device number), sockets.
        migrator.registerMigration("v3: nanosecond times, special files") { db in
            try db.execute(
                sql: """
                    CREATE TABLE inode_v3 (
                        id INTEGER PRIMARY KEY,
                        kind INTEGER NOT NULL,           -- 1 directory, 2 file, 3 symbolic link, 4 FIFO,
                                                         -- 5 character device, 6 block device, 7 socket
                        mode INTEGER NOT NULL,           -- permission bits, 0o7777
                        uid INTEGER NOT NULL DEFAULT 0,
                        gid INTEGER NOT NULL DEFAULT 0,
                        nlink INTEGER NOT NULL DEFAULT 1,
                        size INTEGER NOT NULL DEFAULT 0,
                        atime INTEGER NOT NULL,          -- nanoseconds since 1970
                        mtime INTEGER NOT NULL,
                        ctime INTEGER NOT NULL,
                        info_hash BLOB REFERENCES metainfo(info_hash),
                        content_offset INTEGER,          -- where a file's bytes start in its metainfo's stream
                        link_target TEXT,                -- a symbolic link's target
                        rdev INTEGER NOT NULL DEFAULT 0  -- a device node's device number
                    );
                    INSERT INTO inode_v3 (id, kind, mode, uid, gid, nlink, size, atime, mtime, ctime, info_hash,
                            content_offset, link_target)
                        SELECT id, kind, mode, uid, gid, nlink, size,
                            CAST(ROUND(atime * 1000000000) AS INTEGER), CAST(ROUND(mtime * 1000000000) AS INTEGER),
                            CAST(ROUND(ctime * 1000000000) AS INTEGER), info_hash, content_offset, link_target
                        FROM inode;
                    DROP TABLE inode;
                    ALTER TABLE inode_v3 RENAME TO inode;
                    CREATE INDEX inode_info_hash ON inode(info_hash);
                    """
            )
        }
        // What a file's recorded version stores, for `st_blocks`: its parts that are not all zeros (NULL: every
        // byte, as for content `zenfs add` placed). No SQL comment here: SQLite copies the column's text into the
        // table's schema, where a trailing comment would swallow the closing parenthesis.
        migrator.registerMigration("v4: allocated bytes") { db in
            try db.execute(sql: "ALTER TABLE inode ADD COLUMN allocated INTEGER")
        }
        migrator.registerMigration("v5: index of unreferenced elements") { db in
            // A mount collects the parts its writes superseded every few seconds; this keeps finding them from
            // reading the whole element table.
            try db.execute(sql: "CREATE INDEX element_unreferenced ON element(refs) WHERE refs <= 0")
        }
        // What an element takes on the disk when its zero tail is a hole (NULL: its whole length, as for rows
        // recorded before), so the quota counts the disk's bytes rather than the zeros.
        migrator.registerMigration("v6: element disk bytes") { db in
            try db.execute(sql: "ALTER TABLE element ADD COLUMN disk_bytes INTEGER")
        }
        return migrator
    }
}
