import Chain
import Market

/// What a node sells as virtual machines and how it judges and bills them (the `[compute]` settings, each also a
/// `zenfs node` flag): the resources it sells, its floor rates (also its asking prices), how far a payment may
/// fall short of its own meter, and where its VMs run.
public struct ComputeSettings: Sendable {
    /// The cores, memory and disk sold (`sell_vm`); nil: the node sells no VMs.
    public var selling: VMResources?
    /// Its floors, which are also its asking prices.
    public var floors = VMRates.free
    /// Units a payment may fall short of the node's own bill and still count as paid (the RFC's confidence
    /// interval; `payout_tolerance`).
    public var payoutTolerance = Amount(units: 0)
    /// Seconds past a payout interval before a VM whose publisher stopped paying is stopped (`vm_grace`).
    public var graceSeconds: Int64 = 10
    /// Where leases' run folders go (`vm_directory`); nil: `vm/` in the data directory. QEMU runs as an
    /// unprivileged user, who must be able to reach the folder.
    public var runDirectory: String?
    /// Where guest images are built and cached by content hash (`vm_images`); nil: `images/` in the run folder.
    public var imageDirectory: String?
    /// Folders searched for the guest's Debian packages before downloading them (`vm_packages`).
    public var packageDirectories = ["/var/cache/apt/archives"]
    /// The account QEMU runs as when the node runs as root (`vm_user`); empty: the node's own.
    public var user = "nobody"

    public init() {}

    /// Every key, as `config.toml` spells it under `[compute]` (flags use dashes).
    public static let keys = [
        "sell_vm", "price_core_hour", "price_memory_gib_hour", "price_disk_gib_month", "price_traffic_gib",
        "payout_tolerance", "vm_grace", "vm_directory", "vm_images", "vm_packages", "vm_user",
    ]

    /// Sets one key from its text (`cores=2,memory=2GiB,disk=10GiB`, `0.1/core-hour`, `10s`).
    public mutating func set(_ key: String, _ text: String) throws(ComputeSettingError) {
        do {
            switch key {
            case "sell_vm": selling = try VMResources(parsing: text)
            case "price_core_hour":
                floors.perCoreHour =
                    try VMPriceText.rates(coreHour: text, memoryGiBHour: nil, diskGiBMonth: nil, trafficGiB: nil)
                    .perCoreHour
            case "price_memory_gib_hour":
                floors.perMemoryGiBHour =
                    try VMPriceText.rates(coreHour: nil, memoryGiBHour: text, diskGiBMonth: nil, trafficGiB: nil)
                    .perMemoryGiBHour
            case "price_disk_gib_month":
                floors.perDiskGiBMonth =
                    try VMPriceText.rates(coreHour: nil, memoryGiBHour: nil, diskGiBMonth: text, trafficGiB: nil)
                    .perDiskGiBMonth
            case "price_traffic_gib":
                floors.perTrafficGiB =
                    try VMPriceText.rates(coreHour: nil, memoryGiBHour: nil, diskGiBMonth: nil, trafficGiB: text)
                    .perTrafficGiB
            case "payout_tolerance":
                guard let amount = Amount(parsing: text), amount.units >= 0 else {
                    throw ComputeSettingError.bad(key, "an amount of ZEN with up to 8 decimals, such as 0.0001")
                }
                payoutTolerance = amount
            case "vm_grace": graceSeconds = try DurationText.seconds(text)
            case "vm_directory":
                guard text.hasPrefix("/") else { throw ComputeSettingError.bad(key, "an absolute folder path") }
                runDirectory = text
            case "vm_images":
                guard text.hasPrefix("/") else { throw ComputeSettingError.bad(key, "an absolute folder path") }
                imageDirectory = text
            case "vm_packages": packageDirectories = text.split(separator: ",").map(String.init)
            case "vm_user": user = text
            default: throw ComputeSettingError.unknown(key)
            }
        } catch let error as ComputeSettingError {
            throw error
        } catch let error as VMInputError {
            throw .bad(key, "\(error)")
        } catch let error as MarketInputError {
            throw .bad(key, "\(error)")
        } catch {
            throw .bad(key, "\(error)")
        }
    }
}

/// Why a compute setting was refused.
public enum ComputeSettingError: Error, CustomStringConvertible {
    case unknown(String)
    case bad(String, String)

    public var description: String {
        switch self {
        case .unknown(let key):
            "unknown compute setting '\(key)' (known: \(ComputeSettings.keys.joined(separator: ", ")))"
        case .bad(let key, let why): "\(key): \(why)"
        }
    }
}
