/// A Python program that performs one filesystem call below a root folder and prints its outcome: `ok`, an
/// errno name, or for `stat` and `list` what they found. The permission tests run it as root and as unprivileged
/// users (through `setpriv`), on tmpfs and on the mount, and compare the outputs. Debian's own interpreter runs
/// it (`/usr/bin/python3`), which any user may execute.
enum PosixOperationScript {
    static let source = #"""
        import errno
        import json
        import os
        import stat
        import sys

        os.umask(0o022)
        op, root, args = sys.argv[1], sys.argv[2], sys.argv[3:]


        def at(relative):
            return os.path.join(root, relative)


        def run():
            if op == "create":
                os.close(os.open(at(args[0]), os.O_CREAT | os.O_EXCL | os.O_WRONLY, int(args[1], 8)))
            elif op == "mkdir":
                os.mkdir(at(args[0]), int(args[1], 8))
            elif op == "chmod":
                os.chmod(at(args[0]), int(args[1], 8))
            elif op == "chown":
                os.chown(at(args[0]), int(args[1]), int(args[2]))
            elif op == "rename":
                os.rename(at(args[0]), at(args[1]))
            elif op == "unlink":
                os.unlink(at(args[0]))
            elif op == "rmdir":
                os.rmdir(at(args[0]))
            elif op == "link":
                os.link(at(args[0]), at(args[1]))
            elif op == "symlink":
                os.symlink(args[0], at(args[1]))
            elif op == "write":
                fd = os.open(at(args[0]), os.O_WRONLY)
                os.write(fd, b"x")
                os.close(fd)
            elif op == "truncate":
                os.truncate(at(args[0]), int(args[1]))
            elif op == "utime":
                os.utime(at(args[0]), ns=(int(args[1]), int(args[2])))
            elif op == "utimenow":
                os.utime(at(args[0]))
            elif op == "mkfifo":
                os.mkfifo(at(args[0]), int(args[1], 8))
            elif op == "mknod":
                os.mknod(at(args[0]), int(args[1], 8), os.makedev(int(args[2]), int(args[3])))
            elif op == "setxattr":
                os.setxattr(at(args[0]), args[1], args[2].encode())
            elif op == "getxattr":
                return os.getxattr(at(args[0]), args[1]).decode()
            elif op == "open":
                os.close(os.open(at(args[0]), os.O_RDONLY))
            elif op == "stat":
                s = os.lstat(at(args[0]))
                # A folder's size is the filesystem's own (tmpfs counts 20 bytes an entry); POSIX leaves it open.
                size = "folder" if stat.S_ISDIR(s.st_mode) else s.st_size
                return json.dumps([oct(s.st_mode), s.st_uid, s.st_gid, s.st_nlink, size, s.st_rdev])
            elif op == "list":
                return json.dumps(sorted(os.listdir(at(args[0]))))
            else:
                raise SystemExit("unknown operation " + op)
            return "ok"


        try:
            print(run())
        except OSError as error:
            print(errno.errorcode.get(error.errno, str(error.errno)))
        """#
}
