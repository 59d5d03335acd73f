import Foundation
import Synchronization

/// When reading a file or folder records its access time, as the mount options `relatime` (the default),
/// `noatime` and `strictatime` say. The kernel serves cached pages of a file without asking the mount, so the
/// mount records an access when a file is opened for reading (and a folder when it is listed from its start).
public enum AccessTimeRule: Int, Sendable {
    /// Only when the access time is not after the modification or change time, or is a day old.
    case relative
    /// Never.
    case never
    /// At every access.
    case always

    /// Options the mount reads itself and does not pass to libfuse, which refuses them.
    public static let mountOnlyOptions: Set<String> = ["relatime", "norelatime", "strictatime"]

    /// The rule a list of mount options sets (the last of `relatime`, `noatime`, `strictatime` wins).
    public init(options: [String]) {
        self = .relative
        for option in options {
            switch option {
            case "noatime": self = .never
            case "strictatime": self = .always
            case "relatime", "norelatime": self = option == "relatime" ? .relative : .always
            default: break
            }
        }
    }

    /// Whether an access now changes the access time `accessed` of an inode with times `modified` and `changed`.
    public func updates(accessed: Timestamp, modified: Timestamp, changed: Timestamp, now: Timestamp) -> Bool {
        switch self {
        case .never: false
        case .always: true
        case .relative:
            accessed <= modified || accessed <= changed
                || now.nanoseconds - accessed.nanoseconds >= 24 * 3600 * 1_000_000_000
        }
    }
}

/// Access times waiting to be recorded: kept in memory (and shown by `getattr`) until the next group commit
/// writes them all in one transaction, so reading many files costs no catalog write each.
final class PendingAccessTimes: Sendable {
    private let times = Mutex<[Int64: Timestamp]>([:])
    private let rule = Atomic<Int>(AccessTimeRule.relative.rawValue)

    var accessTimeRule: AccessTimeRule {
        get { AccessTimeRule(rawValue: rule.load(ordering: .relaxed)) ?? .relative }
        set { rule.store(newValue.rawValue, ordering: .relaxed) }
    }

    /// Records an access of `entry` (with the times it shows now) if the rule says so.
    func accessed(_ attributes: FileAttributes) {
        let now = Timestamp.now
        let id = Int64(bitPattern: attributes.inode)
        times.withLock { times in
            let current = times[id] ?? attributes.accessed
            if accessTimeRule.updates(
                accessed: current,
                modified: attributes.modified,
                changed: attributes.changed,
                now: now
            ) {
                times[id] = now
            }
        }
    }

    /// The access time waiting for inode `id`, if any.
    func pending(_ id: Int64) -> Timestamp? {
        times.withLock { $0[id] }
    }

    /// Forgets the waiting access time of `id` (a time set explicitly wins).
    func forget(_ id: Int64) {
        _ = times.withLock { $0.removeValue(forKey: id) }
    }

    /// Takes every waiting access time.
    func take() -> [Int64: Timestamp] {
        times.withLock { times in
            defer { times.removeAll() }
            return times
        }
    }

    /// Puts access times back after a failed write (newer ones taken meanwhile win).
    func restore(_ taken: [Int64: Timestamp]) {
        times.withLock { times in times.merge(taken) { newer, _ in newer } }
    }
}
