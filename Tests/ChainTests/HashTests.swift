import Chain
import Testing

struct HashTests {
    /// SHA-256 and double SHA-256 match published vectors.
    @Test func sha256Vectors() {
        #expect(
            Hash256.sha256(Array("abc".utf8)).description
                == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        )
        #expect(
            Hash256.sha256d(Array("hello".utf8)).description
                == "9595c9df90075148eb06860365df33584b75bff782a510c6cd4883a419833d50"
        )
    }

    /// Hex encodes lowercase and decodes either case; bad text gives nil.
    @Test func hexRoundTrip() {
        #expect(Hex.encode([0x00, 0xab, 0xff]) == "00abff")
        #expect(Hex.decode("00ABff") == [0x00, 0xab, 0xff])
        #expect(Hex.decode("abc") == nil)
        #expect(Hex.decode("zz") == nil)
    }
}
