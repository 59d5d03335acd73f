import Chain
import Market

/// What a node sells and how it pays (the `[market]` settings, each also a `zenfs node` flag): its room and
/// floors as a seller, how late a payer may be, the stricter work it demands and gives.
public struct MarketSettings: Sendable {
    /// The bytes it sells (`sell_storage`); nil: the node sells no storage.
    public var sellBytes: UInt64?
    /// Its floors, which are also its asking prices.
    public var floors = StorageRates.free
    public var minimumPayoutIntervalSeconds: Int64 = 1
    /// The most a publisher may owe it between payouts (`max_prepay`).
    public var maximumCredit: Amount = .coins(10)
    public var maximumLeaseSeconds: Int64 = 365 * 86_400
    /// Identity work (compact target) demanded of publishers, stricter than the network's.
    public var minimumPublisherBits: UInt32?
    /// Work (compact target) the node puts on its acceptances, stricter than the network's; nil: the network's.
    public var acceptanceBits: UInt32?
    /// Seconds past a payout interval before a payee stops serving a late payer, and a payer stops paying a
    /// silent holder.
    public var graceSeconds: Int64 = 10
    /// The most this node pays holders per GiB downloaded (`max_price_download`).
    public var maximumDownloadPrice: Amount?
    /// The bytes one download channel to a holder pays for (`download_allowance`); a new channel follows when
    /// it is spent.
    public var downloadAllowanceBytes: UInt64 = 1 << 30

    /// Testing only: a publisher that also sends a forged, a replayed, a lowered and an over-funded state each
    /// payout, so tests can see holders refuse them.
    public var sendsHostileStates = false

    public init() {}

    /// Every key, as `config.toml` spells it under `[market]` (flags use dashes).
    public static let keys = [
        "sell_storage", "price_storage", "price_upload", "price_download", "min_payout_interval", "max_prepay",
        "max_lease", "min_publisher_bits", "acceptance_bits", "payment_grace", "max_price_download",
        "download_allowance",
    ]

    /// The seller's policy, when the node sells storage.
    public var selling: SellingPolicy? {
        sellBytes.map { room in
            SellingPolicy(
                roomBytes: room,
                floors: floors,
                minimumPayoutIntervalSeconds: minimumPayoutIntervalSeconds,
                maximumCredit: maximumCredit,
                maximumLeaseSeconds: maximumLeaseSeconds,
                minimumPublisherTarget: minimumPublisherBits.flatMap(CompactTarget.init(bits:))
            )
        }
    }

    /// Sets one key from its text (`20GiB`, `0.5/GiB-month`, `60s`, `1f00ffff`).
    public mutating func set(_ key: String, _ text: String) throws(MarketSettingError) {
        do {
            switch key {
            case "sell_storage": sellBytes = try ByteSize.parse(text)
            case "price_storage": floors.storagePerGiBMonth = try PriceText.storage(text)
            case "price_upload": floors.uploadPerGiB = try PriceText.transfer(text)
            case "price_download": floors.downloadPerGiB = try PriceText.transfer(text)
            case "min_payout_interval": minimumPayoutIntervalSeconds = try DurationText.seconds(text)
            case "max_prepay":
                guard let amount = Amount(parsing: text) else {
                    throw MarketSettingError.bad(key, "an amount of ZEN with up to 8 decimals")
                }
                maximumCredit = amount
            case "max_lease": maximumLeaseSeconds = try DurationText.seconds(text)
            case "payment_grace": graceSeconds = try DurationText.seconds(text)
            case "max_price_download": maximumDownloadPrice = try PriceText.transfer(text)
            case "download_allowance": downloadAllowanceBytes = try ByteSize.parse(text)
            case "min_publisher_bits": minimumPublisherBits = try Self.bits(text, key: key)
            case "acceptance_bits": acceptanceBits = try Self.bits(text, key: key)
            default: throw MarketSettingError.unknown(key)
            }
        } catch let error as MarketSettingError {
            throw error
        } catch let error as MarketInputError {
            throw .input(key, error)
        } catch {
            throw .bad(key, "\(error)")
        }
    }

    private static func bits(_ text: String, key: String) throws(MarketSettingError) -> UInt32 {
        guard let bits = UInt32(text, radix: 16), CompactTarget(bits: bits) != nil else {
            throw .bad(key, "a compact target in hexadecimal, such as 1f00ffff")
        }
        return bits
    }
}

/// Why a market setting was refused.
public enum MarketSettingError: Error, CustomStringConvertible {
    case unknown(String)
    case input(String, MarketInputError)
    case bad(String, String)

    public var description: String {
        switch self {
        case .unknown(let key): "unknown market setting '\(key)'"
        case .input(let key, let error): "\(key): \(error)"
        case .bad(let key, let expected): "\(key) takes \(expected)"
        }
    }
}
