import ArgumentParser
import Node

/// The `zenfs node` flags of the market; each is also a `[market]` key of config.toml (with underscores).
struct MarketOptions: ParsableArguments {
    @Option(name: .customLong("sell-storage"), help: "Sell this much storage (binary suffixes: 512MiB, 20GiB, 1TiB).")
    var sellStorage: String?

    @Option(
        name: .customLong("price-storage"),
        help: "The least this node takes for storage, in ZEN (up to 8 decimals) per GiB kept 30 days: 0.5/GiB-month."
    )
    var priceStorage: String?

    @Option(
        name: .customLong("price-upload"),
        help: "The least it takes per GiB a publisher sends it, in ZEN: 0.01/GiB."
    )
    var priceUpload: String?

    @Option(name: .customLong("price-download"), help: "The least it takes per GiB it serves, in ZEN: 0.02/GiB.")
    var priceDownload: String?

    @Option(
        name: .customLong("min-payout-interval"),
        help: "The shortest payout interval it accepts (s, m, h or d: 60s); default 1s."
    )
    var minPayoutInterval: String?

    @Option(
        name: .customLong("max-prepay"),
        help: "The most ZEN a publisher may owe it between payouts (service on credit); default 10."
    )
    var maxPrepay: String?

    @Option(name: .customLong("max-lease"), help: "The longest lease it signs (30d); default 365d.")
    var maxLease: String?

    @Option(
        name: .customLong("min-publisher-bits"),
        help: "Identity work it demands of publishers (compact target, hex, such as 1f00ffff)."
    )
    var minPublisherBits: String?

    @Option(
        name: .customLong("acceptance-bits"),
        help: "Work it puts on its acceptances (compact target, hex), stricter than the network's."
    )
    var acceptanceBits: String?

    @Option(
        name: .customLong("payment-grace"),
        help: "How far past a payout interval a payer may be before it is cut off (10s by default)."
    )
    var paymentGrace: String?

    @Option(
        name: .customLong("max-price-download"),
        help: "The most this node pays holders per GiB it downloads, in ZEN: 0.05/GiB."
    )
    var maxPriceDownload: String?

    @Option(
        name: .customLong("download-allowance"),
        help: "The bytes one channel to a paid holder covers when this node reads from it (1GiB by default)."
    )
    var downloadAllowance: String?

    func apply(to settings: inout MarketSettings) throws {
        let given: [(String, String?)] = [
            ("sell_storage", sellStorage), ("price_storage", priceStorage), ("price_upload", priceUpload),
            ("price_download", priceDownload), ("min_payout_interval", minPayoutInterval), ("max_prepay", maxPrepay),
            ("max_lease", maxLease), ("min_publisher_bits", minPublisherBits), ("acceptance_bits", acceptanceBits),
            ("payment_grace", paymentGrace), ("max_price_download", maxPriceDownload),
            ("download_allowance", downloadAllowance),
        ]
        for case (let key, let text?) in given {
            do { try settings.set(key, text) } catch {
                throw ValidationError("--\(key.replacingOccurrences(of: "_", with: "-")): \(error)")
            }
        }
    }
}
