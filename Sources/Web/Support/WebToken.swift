import Foundation
import Glibc

/// The secret that state-changing requests carry in `X-ZenFS-Token`: the node's own pages embed it (a page of
/// another origin cannot read them), and non-browser clients on this machine read it from `web.token` in the
/// data directory (mode 0600). Created on first use.
public enum WebToken {
    public static let header = "X-ZenFS-Token"

    public static func path(dataDirectory: String) -> String { dataDirectory + "/web.token" }

    public static func loadOrCreate(dataDirectory: String) throws -> String {
        let path = path(dataDirectory: dataDirectory)
        if let text = try? String(contentsOfFile: path, encoding: .utf8) {
            let token = text.trimmingCharacters(in: .whitespacesAndNewlines)
            if token.count == 64, token.allSatisfy(\.isHexDigit) { return token }
        }
        var bytes = [UInt8](repeating: 0, count: 32)
        guard getentropy(&bytes, bytes.count) == 0 else { throw CocoaError(.fileWriteUnknown) }
        let token = bytes.map { String(format: "%02x", $0) }.joined()
        let staged = path + ".staged"
        _ = FileManager.default.createFile(
            atPath: staged,
            contents: Data(token.utf8),
            attributes: [.posixPermissions: 0o600]
        )
        guard rename(staged, path) == 0 else { throw CocoaError(.fileWriteUnknown) }
        return token
    }

    /// The URL file the node writes once its web server listens, for scripts and `zenfs tube`.
    public static func urlPath(dataDirectory: String) -> String { dataDirectory + "/web.url" }
}
