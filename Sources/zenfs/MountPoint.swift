import Foundation
import Glibc

/// The folder a mount goes on, checked before anything starts so that each problem is named with its remedy:
/// a stale mount left by a killed process, a regular file, a folder already mounted.
enum MountPoint {
    /// The absolute path of `path`, created (with its parents) when missing; throws a `FailureMessage` when it
    /// cannot take a mount.
    static func prepare(_ path: String) throws -> String {
        let absolute = URL(fileURLWithPath: path).standardizedFileURL.path
        var info = stat()
        if stat(absolute, &info) != 0 {
            switch errno {
            case ENOTCONN:
                throw FailureMessage(
                    "\(absolute) is a stale mount: the process that served it is gone; detach it with "
                        + "'zenfs umount --lazy \(absolute)' (or 'fusermount3 -uz \(absolute)'), then mount again"
                )
            case ENOENT:
                do {
                    try FileManager.default.createDirectory(atPath: absolute, withIntermediateDirectories: true)
                } catch {
                    throw FailureMessage.presentable(error)
                }
            default:
                throw FailureMessage("cannot mount on \(absolute): \(String(cString: strerror(errno)))")
            }
        } else if info.st_mode & S_IFMT != S_IFDIR {
            throw FailureMessage("\(absolute) is not a folder; mount on a folder (an empty one, or a new path)")
        }
        if MountTable.isMounted(absolute) {
            throw FailureMessage("\(absolute) is already mounted; unmount it first ('zenfs umount \(absolute)')")
        }
        return absolute
    }
}
