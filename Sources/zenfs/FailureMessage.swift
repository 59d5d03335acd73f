import ArgumentParser
import Foundation
import Glibc

/// What a command prints when it fails: ZenFS's own errors say what happened and what to do already; Foundation's
/// (which print as `Error Domain=NSCocoaErrorDomain Code=516 "(null)" UserInfo={…}`) are turned into the path
/// and the reason, in words.
struct FailureMessage: Error, CustomStringConvertible {
    let description: String

    /// `error` as the command line shows it: ArgumentParser's own and ZenFS's errors unchanged, Foundation's
    /// rewritten.
    static func presentable(_ error: any Error) -> any Error {
        if error is ExitCode || error is ValidationError || error is CleanExit { return error }
        if let cocoa = error as? CocoaError { return FailureMessage(describing: cocoa as NSError) }
        if let posix = error as? POSIXError { return FailureMessage(Self.words(forErrno: posix.code.rawValue)) }
        if type(of: error) is NSError.Type { return FailureMessage(describing: error as NSError) }
        return error
    }

    init(_ description: String) { self.description = description }

    init(describing error: NSError) {
        let path =
            (error.userInfo[NSFilePathErrorKey] as? String) ?? (error.userInfo[NSURLErrorKey] as? URL)?.path
        let reason: String
        if let underlying = error.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain {
            reason = Self.words(forErrno: Int32(underlying.code))
        } else if error.domain == NSPOSIXErrorDomain {
            reason = Self.words(forErrno: Int32(error.code))
        } else {
            reason = Self.words(for: CocoaError.Code(rawValue: error.code))
        }
        description = path.map { "\($0): \(reason)" } ?? reason
    }

    private static func words(forErrno code: Int32) -> String {
        switch code {
        case ENOSPC, EDQUOT: "disk full; free space on it and try again"
        case ENOTCONN: "a stale mount (the process that served it is gone); detach it with 'fusermount3 -uz PATH'"
        default: String(cString: strerror(code)).lowercased()
        }
    }

    private static func words(for code: CocoaError.Code) -> String {
        switch code {
        case .fileNoSuchFile, .fileReadNoSuchFile: "does not exist"
        case .fileWriteFileExists: "already exists, and is not a folder that can be used here"
        case .fileReadNoPermission, .fileWriteNoPermission: "permission denied"
        case .fileWriteOutOfSpace: "disk full; free space on it and try again"
        case .fileWriteVolumeReadOnly: "the filesystem is read-only"
        case .fileReadCorruptFile: "cannot be read (damaged or not in the expected format)"
        default: "the operation failed (Foundation error \(code.rawValue))"
        }
    }
}
