import Foundation
import PropertyBased
import PushCompose
import Testing

/// Random JSON values, with the strings, numbers and shapes that are hard to get right.
enum JSONValueGen {
    /// Values nested at most a few levels, sometimes wrapped in arrays up to the depth limit.
    static let value = Generator<JSONValue, Shrink.None<JSONValue>>(run: { rng in
        let value = randomValue(depth: 0, using: &rng)
        guard Int.random(in: 0..<20, using: &rng) == 0 else { return value }
        let wrappers = Int.random(in: 1...(JSONParser.maxDepth - maxDepth), using: &rng)
        return (0..<wrappers).reduce(value) { inner, _ in .array([inner]) }
    })

    static let maxDepth = 5

    static func randomValue<R: RandomNumberGenerator>(depth: Int, using rng: inout R) -> JSONValue {
        let containers = depth < maxDepth ? 2 : 0
        switch Int.random(in: 0..<(5 + containers), using: &rng) {
        case 0: return .null
        case 1: return .bool(Bool.random(using: &rng))
        case 2: return .number(randomNumber(using: &rng))
        case 3, 4: return .string(randomString(using: &rng))
        case 5: return .array((0..<Int.random(in: 0...5, using: &rng)).map { _ in randomValue(depth: depth + 1, using: &rng) })
        default:
            // Keys unique as Swift compares them: the parser keeps one of equal keys.
            var keys = Set<String>()
            var members: [(key: String, value: JSONValue)] = []
            for _ in 0..<Int.random(in: 0...6, using: &rng) {
                let key = randomString(using: &rng)
                guard keys.insert(key).inserted else { continue }
                members.append((key: key, value: randomValue(depth: depth + 1, using: &rng)))
            }
            return .object(members)
        }
    }

    /// Finite numbers: integers of every size, short decimals, and arbitrary bit patterns.
    static func randomNumber<R: RandomNumberGenerator>(using rng: inout R) -> Double {
        switch Int.random(in: 0..<6, using: &rng) {
        case 0: return Double(Int.random(in: -1000...1000, using: &rng))
        case 1: return Double(Int64.random(in: .min ... .max, using: &rng))
        case 2: return Double(Int.random(in: -1_000_000...1_000_000, using: &rng)) / 1000
        case 3: return [0, -0.0, .leastNonzeroMagnitude, -.leastNormalMagnitude, .greatestFiniteMagnitude, 1e15, 1e-7, 0.1].randomElement(using: &rng)!
        default:
            while true {
                let number = Double(bitPattern: UInt64.random(in: .min ... .max, using: &rng))
                if number.isFinite { return number }
            }
        }
    }

    /// Up to 12 scalars from pools that each stress a part of the encoder or parser.
    static func randomString<R: RandomNumberGenerator>(using rng: inout R) -> String {
        let pools: [ClosedRange<UInt32>] = [
            0x20...0x7E,  // printable ASCII
            0x00...0x1F,  // control characters: escaped
            0x22...0x22, 0x5C...0x5C, 0x2F...0x2F,  // quote, backslash, slash
            0x7F...0xFF,  // DEL and Latin-1
            0x300...0x36F,  // combining marks
            0x2028...0x2029,  // line separators: escaped for JavaScript
            0xE000...0xFFFF,  // private use, U+FEFF, U+FFFD, noncharacters
            0x100...0xD7FF,  // the rest of the BMP before the surrogates
            0x10000...0x10FFFF,  // astral, emoji among them
        ]
        var text = String.UnicodeScalarView()
        for _ in 0..<Int.random(in: 0...12, using: &rng) {
            let pool = pools.randomElement(using: &rng)!
            text.append(Unicode.Scalar(UInt32.random(in: pool, using: &rng))!)
        }
        return String(text)
    }
}

/// Text that is almost JSON: the encoding of a random value with a few fragments of
/// JSON inserted, bytes deleted or replaced; or fragments alone, in random order.
enum NearJSONGen {
    static let fragments: [[UInt8]] = [
        "{", "}", "[", "]", ",", ":", " ", "\n", "\"", "\"a\"", "\"key\"", "\"fromPeer\"", "\"é😀\"",
        "\\", "\\n", "\\\"", "\\u", "d83d", "dc00", "0041", "\\ud83d", "\\udc00", "\\ud83d\\ude00", "\\u00e9", "\\uZZ",
        "0", "1", "-", ".", "e", "E", "+", "123", "1e400", "-0", "5e-324", "00", "1.5",
        "true", "false", "null", "nul", "tr", "\t", "\u{7F}", "\u{2028}", "x",
    ].map { Array($0.utf8) } + [[0xFF], [0xC3], [0xE2, 0x80]]

    static let bytes = Generator<[UInt8], Shrink.None<[UInt8]>>(run: { rng in
        if Int.random(in: 0..<3, using: &rng) == 0 {
            return (0..<Int.random(in: 1...40, using: &rng)).flatMap { _ in fragments.randomElement(using: &rng)! }
        }
        var bytes = Array(JSONEncoding.string(JSONValueGen.randomValue(depth: 0, using: &rng)).utf8)
        for _ in 0..<Int.random(in: 0...3, using: &rng) {
            let position = Int.random(in: 0...bytes.count, using: &rng)
            let fragment = fragments.randomElement(using: &rng)!
            switch (Int.random(in: 0..<3, using: &rng), position < bytes.count) {
            case (1, true): bytes.remove(at: position)
            case (2, true): bytes.replaceSubrange(position...position, with: fragment)
            default: bytes.insert(contentsOf: fragment, at: position)
            }
        }
        return bytes
    })
}

@Suite("JSONParserPropertyTests")
struct JSONParserPropertyTests {
    @Test func parseOfEncodeGivesTheValueBack() async throws {
        await propertyCheck(count: 1000, input: JSONValueGen.value) { value in
            let text = JSONEncoding.string(value)
            let parsed = try JSONParser.parse(text)
            #expect(parsed == value, "\(text)")
            // Byte for byte, so strings compare scalar for scalar, not just canonically.
            #expect(JSONEncoding.string(parsed) == text)
        }
    }

    @Test func repeatedKeysKeepFirstPositionAndLastValue() async throws {
        let members = Gen<Int>.value(in: 0...40).array(of: 0...60)
        await propertyCheck(count: 500, input: members) { picks in
            let written = picks.enumerated().map { (key: "k\($1)", value: JSONValue.number(Double($0))) }
            var expected: [(key: String, value: JSONValue)] = []
            for member in written {
                if let position = expected.firstIndex(where: { $0.key == member.key }) {
                    expected[position].value = member.value
                } else {
                    expected.append(member)
                }
            }
            let parsed = try JSONParser.parse(JSONEncoding.string(.object(written)))
            #expect(parsed == .object(expected))
        }
    }

    @Test func randomBytesNeverTrap() async throws {
        let bytes = Gen<UInt8>.value(in: 0...255).array(of: 0...300)
        await propertyCheck(count: 3000, input: bytes) { bytes in
            Self.checkParsedOrRefused(bytes)
            // The hook's own reading refuses with its typed error, whatever the bytes.
            _ = try? HookParameters(body: bytes)
        }
    }

    @Test func nearJSONNeverTrapsAndAgreesWithFoundation() async throws {
        await propertyCheck(count: 5000, input: NearJSONGen.bytes) { bytes in
            Self.checkParsedOrRefused(bytes)
            Self.checkAgainstFoundation(bytes)
        }
    }

    /// Numbers are read by the grammar JavaScript and Foundation share: what both refuse is
    /// refused here, and what Foundation reads has the same value. Past Double's range
    /// Foundation refuses, and this parser reads ±infinity as JavaScript does.
    @Test func numbersAreDecidedAsFoundationDecides() async throws {
        let characters = Array("0123456789-+.eE".utf8) + Array("0000111-.e".utf8)
        let text = Gen<Int>.value(in: 0...(characters.count - 1)).array(of: 1...24).map { $0.map { characters[$0] } }
        await propertyCheck(count: 5000, input: text) { bytes in
            let theirs = FoundationJSON.parse(bytes)
            let written = String(decoding: bytes, as: UTF8.self)
            if let ours = try? JSONParser.parse(bytes) {
                if let theirs {
                    #expect(FoundationJSON.same(ours, theirs), "\(written): ours \(ours), Foundation's \(theirs)")
                } else {
                    #expect(ours.containsInfinity, "only Foundation refuses \(written)")
                }
            } else {
                #expect(theirs == nil, "only we refuse \(written)")
            }
        }
    }

    /// Parse, encode, parse: the second encoding is the first, byte for byte.
    @Test func parseEncodeParseIsStable() async throws {
        await propertyCheck(count: 5000, input: NearJSONGen.bytes) { bytes in
            guard let value = try? JSONParser.parse(bytes) else { return }
            let encoded = JSONEncoding.string(value)
            let reparsed = try JSONParser.parse(encoded)
            #expect(JSONEncoding.string(reparsed) == encoded)
        }
    }

    /// Either a value, or an error whose offset lies within the input.
    private static func checkParsedOrRefused(_ bytes: [UInt8]) {
        do {
            let value = try JSONParser.parse(bytes)
            #expect((try? JSONParser.parse(JSONEncoding.string(value))) != nil)
        } catch {
            #expect((0...bytes.count).contains(error.offset), "\(error) in \(bytes)")
        }
    }

    /// Foundation decides alike, but for this parser's documented differences: a trailing
    /// comma (Foundation accepts it), lone surrogates (read here as U+FFFD) and numbers
    /// past Double's range (read here as ±infinity), which Foundation refuses.
    private static func checkAgainstFoundation(_ bytes: [UInt8]) {
        let theirs = FoundationJSON.parse(bytes)
        let text = String(decoding: bytes, as: UTF8.self)
        do {
            let ours = try JSONParser.parse(bytes)
            if let theirs {
                #expect(FoundationJSON.same(ours, theirs), "\(text): ours \(ours), Foundation's \(theirs)")
            } else {
                #expect(ours.containsInfinity || ours.containsReplacementCharacter, "only Foundation refuses \(text): \(ours)")
            }
        } catch {
            guard theirs != nil else { return }
            #expect(isTrailingComma(error, in: bytes), "only we refuse \(text): \(error)")
        }
    }

    private static func isTrailingComma(_ error: JSONParser.Error, in bytes: [UInt8]) -> Bool {
        guard case .unexpectedByte(let byte, _) = error.reason, byte == UInt8(ascii: "]") || byte == UInt8(ascii: "}") else {
            return false
        }
        let before = bytes[..<error.offset].last { ![0x20, 0x09, 0x0A, 0x0D].contains($0) }
        return before == UInt8(ascii: ",")
    }
}

extension JSONValue {
    fileprivate var containsInfinity: Bool {
        switch self {
        case .number(let n): return n.isInfinite
        case .array(let items): return items.contains { $0.containsInfinity }
        case .object(let members): return members.contains { $0.value.containsInfinity }
        default: return false
        }
    }

    fileprivate var containsReplacementCharacter: Bool {
        switch self {
        case .string(let s): return s.unicodeScalars.contains("\u{FFFD}")
        case .array(let items): return items.contains { $0.containsReplacementCharacter }
        case .object(let members): return members.contains { $0.key.unicodeScalars.contains("\u{FFFD}") || $0.value.containsReplacementCharacter }
        default: return false
        }
    }
}
