import Node
import Testing

/// When an access changes an access time, by mount option.
struct AccessTimeRuleTests {
    static let day: Int64 = 24 * 3600 * 1_000_000_000

    /// The last of `relatime`, `noatime` and `strictatime` wins; other options leave `relatime`.
    @Test func optionsChooseTheRule() {
        #expect(AccessTimeRule(options: []) == .relative)
        #expect(AccessTimeRule(options: ["allow_other", "noatime"]) == .never)
        #expect(AccessTimeRule(options: ["noatime", "strictatime"]) == .always)
        #expect(AccessTimeRule(options: ["strictatime", "relatime"]) == .relative)
        #expect(AccessTimeRule.mountOnlyOptions.contains("strictatime"))
        #expect(!AccessTimeRule.mountOnlyOptions.contains("noatime"))
    }

    /// relatime updates when the access time is not after the modification or change time, or a day old.
    @Test(arguments: [
        (Int64(100), Int64(100), Int64(50), Int64(200), true),
        (100, 50, 100, 200, true),
        (100, 50, 50, 200, false),
        (100, 50, 50, 100 + day, true),
        (100, 50, 50, 99 + day, false),
    ])
    func relativeRule(accessed: Int64, modified: Int64, changed: Int64, now: Int64, updates: Bool) {
        #expect(
            AccessTimeRule.relative.updates(
                accessed: Timestamp(nanoseconds: accessed),
                modified: Timestamp(nanoseconds: modified),
                changed: Timestamp(nanoseconds: changed),
                now: Timestamp(nanoseconds: now)
            ) == updates
        )
    }
}
