import Chain
import Foundation
import Market
import Testing

@testable import Node

struct ComputeConfigTests {
    /// Every `[compute]` key sets its setting, in the units people write.
    @Test func appliesEveryComputeKey() throws {
        let file = try ConfigFile.parse(
            """
            [compute]
            sell_vm = "cores=2,memory=2GiB,disk=10GiB"
            price_core_hour = "0.1/core-hour"
            price_memory_gib_hour = "0.02"
            price_disk_gib_month = "0.5/GiB-month"
            price_traffic_gib = "0.01/GiB"
            payout_tolerance = "0.0001"
            vm_grace = "20s"
            vm_directory = "/var/tmp/vms"
            vm_images = "/var/tmp/images"
            vm_packages = "/a,/b"
            vm_user = ""
            """
        )
        var configuration = NodeConfiguration(dataDirectory: "/tmp/x")
        try file.apply(to: &configuration)
        let compute = configuration.compute
        #expect(compute.selling == VMResources(cores: 2, memoryBytes: 2 << 30, diskBytes: 10 << 30))
        #expect(compute.floors.perCoreHour == Amount(units: 10_000_000))
        #expect(compute.floors.perMemoryGiBHour == Amount(units: 2_000_000))
        #expect(compute.floors.perDiskGiBMonth == Amount(units: 50_000_000))
        #expect(compute.floors.perTrafficGiB == Amount(units: 1_000_000))
        #expect(compute.payoutTolerance == Amount(units: 10_000))
        #expect(compute.graceSeconds == 20)
        #expect(compute.runDirectory == "/var/tmp/vms" && compute.imageDirectory == "/var/tmp/images")
        #expect(compute.packageDirectories == ["/a", "/b"] && compute.user.isEmpty)
    }

    /// A bad value names its line and what it takes; an unknown key is refused.
    @Test func refusesBadValuesAndUnknownKeys() throws {
        var configuration = NodeConfiguration(dataDirectory: "/tmp/x")
        #expect(configuration.compute.selling == nil)
        do {
            try ConfigFile.parse("\n[compute]\nsell_vm = \"cores=two\"\n").apply(to: &configuration)
            Issue.record("accepted a VM size without a number of cores")
        } catch {
            #expect("\(error)".contains("line 3") && "\(error)".contains("cores=N"))
        }
        do {
            try ConfigFile.parse("[compute]\nprice_core_hour = \"0.1/GiB\"\n").apply(to: &configuration)
            Issue.record("accepted a transfer unit for a core-hour price")
        } catch {
            #expect("\(error)".contains("core-hour"))
        }
        #expect(throws: ConfigFileError.unknownKey(line: 2, "compute.sell_gpu")) {
            try ConfigFile.parse("[compute]\nsell_gpu = \"1\"\n").apply(to: &configuration)
        }
        #expect(throws: ComputeSettingError.self) { try configuration.compute.set("vm_directory", "relative") }
    }

    /// A VM market message survives its frame whole, 128-bit usage included; other market frames are not its.
    @Test func messagesRoundTrip() throws {
        var message = ComputeMessage(.usage, task: String(repeating: "ab", count: 32))
        message.usage = VMUsage(
            cpuNanoseconds: 3_541_035_085,
            memoryByteSeconds: UInt128(1) << 100,
            diskByteSeconds: 872_415_232,
            trafficBytes: 4_134
        )
        message.final = true
        let bytes = message.encoded()
        #expect(bytes.first == ComputeMessage.tag)
        #expect(try ComputeMessage.decode(bytes) == message)
        #expect(try ComputeMessage.decode([1, 2, 3]) == nil)
        #expect(throws: (any Error).self) { try ComputeMessage.decode([ComputeMessage.tag, 0x7b]) }
    }

    /// The size an offer asks for comes from the RFC's fields; an offer without cores or memory asks nothing.
    @Test func offerSizeAndChannelFunding() {
        var offer = VMTermsOffer.make()
        #expect(
            VMSellerService.wantedResources(of: offer)
                == VMResources(cores: 2, memoryBytes: 512 << 20, diskBytes: 1 << 30)
        )
        offer.requirements.memoryPerCoreMiB = nil
        #expect(VMSellerService.wantedResources(of: offer) == nil)
        // One core for an hour at 1 ZEN, nothing else priced: 1 ZEN, plus the close fee and a unit.
        let rates = VMRates(
            perCoreHour: .coins(1),
            perMemoryGiBHour: Amount(units: 0),
            perDiskGiBMonth: Amount(units: 0),
            perTrafficGiB: Amount(units: 0)
        )
        let funding = VMPublisherService.funding(
            VMResources(cores: 1, memoryBytes: 1 << 30, diskBytes: 0),
            rates: rates,
            seconds: 3_600
        )
        #expect(funding == Amount.coins(1) + Wallet.fee + Amount(units: 1))
    }
}

/// A VM task offer for the tests: 2 cores, 256 MiB per core, 1 GiB of storage.
enum VMTermsOffer {
    static func make() -> TaskOffer {
        var requirements = VMRequirements()
        requirements.coreChoices = [VMRequirements.CoreChoice(cores: 2, megahertz: 0)]
        requirements.memoryPerCoreMiB = 256
        requirements.minimumStorageMiB = 1024
        return TaskOffer(
            taskID: [1],
            requirements: requirements,
            minimumMachines: 1,
            connectAddress: "127.0.0.1:7600",
            leaseSeconds: 60...60,
            payoutIntervalSeconds: 5,
            ratePerUnit: Amount(units: 0),
            acceptanceWindowBlocks: 5,
            informationURL: ""
        )
    }
}
