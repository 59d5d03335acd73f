import Foundation
import Glibc

/// A point in time as whole nanoseconds since 1970 (UTC), the way the catalog stores inode times: integers, so a
/// time set with `utimensat` reads back exactly. The range is that of a signed 64-bit count of nanoseconds
/// (years 1677 to 2262); times outside it are clamped to its ends.
public struct Timestamp: Comparable, Hashable, Sendable, CustomStringConvertible {
    public let nanoseconds: Int64

    public init(nanoseconds: Int64) {
        self.nanoseconds = nanoseconds
    }

    /// From seconds and nanoseconds (a `timespec`); clamped to the representable range.
    public init(seconds: Int64, nanoseconds: Int64) {
        let (scaled, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        if overflow {
            self.nanoseconds = seconds < 0 ? .min : .max
            return
        }
        let (sum, sumOverflow) = scaled.addingReportingOverflow(nanoseconds)
        self.nanoseconds = sumOverflow ? (seconds < 0 ? .min : .max) : sum
    }

    /// From a `Date` (to its precision, about a microsecond).
    public init(_ date: Date) {
        let seconds = date.timeIntervalSince1970.rounded(.down)
        let nanoseconds = ((date.timeIntervalSince1970 - seconds) * 1e9).rounded()
        self.init(seconds: Int64(seconds), nanoseconds: Int64(nanoseconds))
    }

    public init(_ time: Glibc.timespec) {
        self.init(seconds: Int64(time.tv_sec), nanoseconds: Int64(time.tv_nsec))
    }

    /// The current time of the system's real-time clock, to the nanosecond.
    public static var now: Timestamp {
        var time = Glibc.timespec()
        clock_gettime(CLOCK_REALTIME, &time)
        return Timestamp(time)
    }

    /// Whole seconds, rounded down (so nanoseconds are never negative).
    public var seconds: Int64 { nanoseconds >= 0 ? nanoseconds / 1_000_000_000 : (nanoseconds + 1) / 1_000_000_000 - 1 }

    /// The nanoseconds past `seconds`, in `0 ..< 1_000_000_000`.
    public var nanosecondsOfSecond: Int64 { nanoseconds - seconds * 1_000_000_000 }

    public var timespec: Glibc.timespec {
        Glibc.timespec(tv_sec: Int(seconds), tv_nsec: Int(nanosecondsOfSecond))
    }

    /// The same time as a `Date` (to about a microsecond), for display.
    public var date: Date { Date(timeIntervalSince1970: Double(seconds) + Double(nanosecondsOfSecond) / 1e9) }

    public static func < (left: Timestamp, right: Timestamp) -> Bool { left.nanoseconds < right.nanoseconds }

    public var description: String { "\(seconds).\(String(nanosecondsOfSecond + 1_000_000_000).dropFirst())" }
}
