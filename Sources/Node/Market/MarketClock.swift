import Foundation

/// Seconds since 1970, as the market meters time; passed in so tests can move it.
public typealias MarketClock = @Sendable () -> Int64

/// The wall clock.
public let wallClock: MarketClock = { Int64(Date().timeIntervalSince1970) }
