import Foundation
import Synchronization

/// How often each video was watched on this node, kept in `zentube-views.json` in the data directory.
public final class ViewCounter: Sendable {
    private let path: String
    private let counts: Mutex<[String: Int]>

    public init(path: String) {
        self.path = path
        let stored = (try? Data(contentsOf: URL(fileURLWithPath: path)))
            .flatMap { try? JSONDecoder().decode([String: Int].self, from: $0) }
        counts = Mutex(stored ?? [:])
    }

    public func count(_ id: String) -> Int { counts.withLock { $0[id] ?? 0 } }

    /// Counts one view and saves the counts.
    @discardableResult
    public func record(_ id: String) -> Int {
        let (value, snapshot) = counts.withLock { counts -> (Int, [String: Int]) in
            counts[id, default: 0] += 1
            return (counts[id]!, counts)
        }
        if let data = try? JSONEncoder().encode(snapshot) {
            try? data.write(to: URL(fileURLWithPath: path), options: .atomic)
        }
        return value
    }
}
