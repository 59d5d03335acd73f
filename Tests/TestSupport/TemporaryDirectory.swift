import Foundation

/// A temporary directory removed when the test ends.
public final class TemporaryDirectory {
    public let path: String

    public init() {
        path = NSTemporaryDirectory() + "zenfs-test-" + UUID().uuidString
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    /// Writes `count` pseudo-random bytes (seeded, so failures reproduce) to `relative` and returns the full path.
    @discardableResult
    public func randomFile(_ relative: String, count: Int, seed: UInt64 = 1) -> String {
        let full = path + "/" + relative
        try! FileManager.default.createDirectory(
            atPath: (full as NSString).deletingLastPathComponent,
            withIntermediateDirectories: true
        )
        var state = seed &+ UInt64(count)
        var words = [UInt64](repeating: 0, count: (count + 7) / 8)
        for index in words.indices {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            words[index] = state ^ (state >> 29)
        }
        let bytes = words.withUnsafeBytes { Data($0.prefix(count)) }
        precondition(FileManager.default.createFile(atPath: full, contents: bytes), "cannot write \(full)")
        return full
    }
}

/// Every regular file below `root`, by relative path, with its bytes.
public func tree(_ root: String) -> [String: Data] {
    var files: [String: Data] = [:]
    let enumerator = FileManager.default.enumerator(atPath: root)
    while let relative = enumerator?.nextObject() as? String {
        var isDirectory: ObjCBool = false
        _ = FileManager.default.fileExists(atPath: root + "/" + relative, isDirectory: &isDirectory)
        if !isDirectory.boolValue { files[relative] = FileManager.default.contents(atPath: root + "/" + relative) }
    }
    return files
}
