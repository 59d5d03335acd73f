import Foundation
import Testing

@testable import VMHost

struct QMPMessageTests {
    /// The greeting gives QEMU's version; returns, errors and events are told apart.
    @Test func classifiesLines() throws {
        let greeting =
            #"{"QMP": {"version": {"qemu": {"micro": 22, "minor": 2, "major": 7}, "package": "Debian"}, "capabilities": ["oob"]}}"#
        #expect(try QMPMessage.parse(greeting) == .greeting(version: "7.2.22"))
        #expect(try QMPMessage.parse(#"{"return": {}}"#) == .success(returnJSON: Data(#"{"return": {}}"#.utf8)))
        #expect(
            try QMPMessage.parse(
                #"{"error": {"class": "CommandNotFound", "desc": "The command nope has not been found"}}"#
            )
                == .failure(errorClass: "CommandNotFound", description: "The command nope has not been found")
        )
        let event = #"{"timestamp": {"seconds": 1796408068, "microseconds": 42575}, "event": "POWERDOWN"}"#
        #expect(try QMPMessage.parse(event) == .event(name: "POWERDOWN"))
        #expect(throws: VMHostError.self) { try QMPMessage.parse("not json") }
        #expect(throws: VMHostError.self) { try QMPMessage.parse(#"{"something": 1}"#) }
    }

    /// `query-status`, `query-cpus-fast` and `query-blockstats` as QEMU 7.2 answers them here.
    @Test func decodesQueries() throws {
        func returned(_ line: String) throws -> Data {
            guard case .success(let json) = try QMPMessage.parse(line) else { throw VMHostError.qmp("no return") }
            return json
        }
        let status = try returned(#"{"return": {"status": "running", "singlestep": false, "running": true}}"#)
        #expect(
            try QMPMessage.decodeReturn(QMPStatus.self, from: status, command: "query-status")
                == QMPStatus(status: "running", running: true)
        )
        let cpus = try returned(
            #"{"return": [{"thread-id": 20800, "props": {"core-id": 0, "thread-id": 0, "socket-id": 0}, "qom-path": "/machine/unattached/device[0]", "cpu-index": 0, "target": "x86_64"}, {"thread-id": 20801, "props": {"core-id": 1, "thread-id": 0, "socket-id": 0}, "qom-path": "/machine/unattached/device[2]", "cpu-index": 1, "target": "x86_64"}]}"#
        )
        #expect(
            try QMPMessage.decodeReturn([QMPCPU].self, from: cpus, command: "query-cpus-fast")
                == [QMPCPU(cpuIndex: 0, threadID: 20800), QMPCPU(cpuIndex: 1, threadID: 20801)]
        )
        let blocks = try returned(
            #"{"return": [{"device": "", "qdev": "/machine/peripheral-anon/device[1]/virtio-backend", "parent": {"stats": {"rd_bytes": 0, "wr_bytes": 0, "rd_operations": 0, "wr_operations": 0}}, "stats": {"unmap_operations": 0, "wr_highest_offset": 4194304, "wr_bytes": 4194304, "rd_bytes": 12288, "failed_rd_operations": 0, "flush_operations": 1, "wr_operations": 32, "rd_operations": 3, "account_invalid": false}, "node-name": "block153"}]}"#
        )
        #expect(
            try QMPMessage.decodeReturn([QMPBlockStats].self, from: blocks, command: "query-blockstats")
                == [
                    QMPBlockStats(
                        device: "/machine/peripheral-anon/device[1]/virtio-backend",
                        readBytes: 12_288,
                        writtenBytes: 4_194_304,
                        readOperations: 3,
                        writeOperations: 32
                    )
                ]
        )
        #expect(throws: VMHostError.self) {
            try QMPMessage.decodeReturn([QMPCPU].self, from: status, command: "query-cpus-fast")
        }
    }
}
