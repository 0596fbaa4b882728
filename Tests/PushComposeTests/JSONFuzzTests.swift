import Foundation
import PushCompose
import XCTest

/// SplitMix64: a seeded generator, so that every run mutates the same bodies.
struct SeededGenerator: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Real `_receiversOffline` bodies, mutated, through the whole read-and-compose path: no
/// body may crash it, and each one ends as a plan or as a typed `HookInputError`.
final class JSONFuzzTests: XCTestCase {
    private static let bodyCount = 100_000
    private static let maxPeers = 4

    /// Contents of every kind, and the ones that broke parsers before: a string cut inside
    /// an emoji, repeated attributes, nesting near the limit, text that only looks like JSON.
    private static let contents: [String] = [
        #"{"_lctext":"Holy crap!","_lctype":-1}"#,
        #"{"_lctext":"👨‍👩‍👧 family dinner at 7, café \"Chez Moi\" — bring 🍷🇫🇷","_lctype":-1,"_lcattrs":{"priority":"high"}}"#,
        #"{"_lctype":-2,"_lctext":"","_lcfile":{"url":"https://example.com/a.png","objId":"5a1","metaData":{"name":"a.png","format":"png","height":200,"width":300,"size":1024}}}"#,
        #"{"_lctype":-3,"_lcfile":{"url":"https://example.com/a.aac","metaData":{"duration":3.2}}}"#,
        #"{"_lctype":-4,"_lctext":"watch","_lcfile":{"url":"https://example.com/v.mp4"}}"#,
        #"{"_lctype":-5,"_lctext":"here","_lcloc":{"longitude":116.39,"latitude":39.9}}"#,
        #"{"_lctype":-6,"_lcfile":{"url":"https://example.com/f.pdf","metaData":{"name":"f.pdf"}}}"#,
        #"{"_lctype":-127,"_lctext":""}"#,
        #"{"_lctype":7,"_lctext":"red packet","_lcattrs":{"amount":8.88,"confidential":"true"}}"#,
        #"{"_lctext":"PIN 4321 \ud83d","_lctype":-1,"_lcattrs":{"confidential":"true"}}"#,
        #"{"_lctext":"PIN 4321","_lctype":-1,"_lcattrs":{"confidential":"false","confidential":"true"}}"#,
        #"{"_lctext":"\udc00 lone low, \ud83d\ude00 pair","_lctype":-1}"#,
        #"{"_lctext":"deep","_lctype":-1,"deep":"# + String(repeating: "[", count: 250) + String(repeating: "]", count: 250) + "}",
        #"{"_lctext":"PIN 4321","_lctype":-1,"_lcattrs":{"confidential":"tr"#,
        "plain text, not JSON at all",
        "",
    ]

    /// The bodies' members, so that a content can be mutated and the body encoded around it.
    private static let seeds: [[(key: String, value: JSONValue)]] = contents.enumerated().map { index, content in
        let receivers = Array(["Jerry", "Spike", "Tyke", "Butch"].prefix([1, 2, 4][index % 3]))
        var members: [(key: String, value: JSONValue)] = [
            (key: "fromPeer", value: .string("Tom")),
            (key: "convId", value: .string(index % 2 == 0 ? "conv-1" : "5789a33a1b8694ad267d8040")),
            (key: "offlinePeers", value: .array(receivers.map(JSONValue.string))),
            (key: "content", value: .string(content)),
            (key: "timestamp", value: .number(1_472_200_796_764)),
            (key: "mentionAll", value: .bool(index % 5 == 0)),
            (key: "mentionOfflinePeers", value: .array(receivers.prefix(index % 3).map(JSONValue.string))),
        ]
        if index % 4 == 0 {
            members.append((key: "__sign", value: .string("1472200796787,a26fb3c0bd5b05ff26ec5ac2d35a3a8c0bf6c1b0")))
            members.append((key: "_lcId", value: .string("x")))
        }
        return members
    }

    private static let seedBodies: [[UInt8]] = seeds.map { Array(JSONEncoding.string(.object($0)).utf8) }

    /// Bytes worth putting in: JSON's own characters, escapes, surrogates, odd numbers,
    /// repeated parameters with wrong types, and bytes that are not UTF-8.
    private static let tokens: [[UInt8]] = [
        "{", "}", "[", "]", ",", ":", "\"", "\\", " ", "\n", "\\\"", "\\n", "\\u", "\\ud83d", "\\udc00", "\\ud83d\\ude00",
        "\\\\ud83d", "\\\\\\\"", "0", "-", ".", "e", "1e400", "-0", "01", "1.", "true", "null", "nul",
        #","fromPeer":"Eve""#, #","offlinePeers":"Jerry""#, #","offlinePeers":[1]"#, #","content":{"_lctype":-1}"#,
        #","timestamp":1e19"#, #","mentionAll":"yes""#, #","convId":null"#,
    ].map { Array($0.utf8) } + [[0x00], [0x7F], [0xFF], [0xC3], [0xED, 0xA0, 0x80], [0xEF, 0xBB, 0xBF], [0xE2, 0x80, 0xA8]]

    /// Arrays nested 200 to 300 deep, around the parser's limit of 256.
    private static let nestedArrays: [[UInt8]] = (200...300).map { depth in
        Array(repeating: UInt8(ascii: "["), count: depth) + Array(repeating: UInt8(ascii: "]"), count: depth)
    }

    private static let structuralBytes = Array(#"{}[],:"\0-.eE "#.utf8)

    private static let duplicateValues: [JSONValue] = [
        .string("Eve"), .number(7), .null, .bool(true), .array([.string("Jerry"), .string("Eve")]), .array([]),
        .object([(key: "_lctext", value: .string("x"))]), .string(#"{"_lctext":"spoof","_lctype":-1}"#),
        .array((0...maxPeers).map { .string("peer\($0)") }),
    ]

    private struct Selector: TemplateSelector {
        let plain = TestTemplate()
        let confidential = TestTemplate(name: "confidential", policy: PushPolicy(privacy: true))
        let media = TestTemplate(
            name: "media", policy: PushPolicy(truncate: 10, badge: .none, forceOnMute: .always), dependsOnReceiverIdentity: true
        ) { input in
            [(key: "alert", value: .string("\(input.receiver.name), \(input.sender.name) sent \(input.text)")),
             (key: "data", value: .object([(key: "kind", value: .string(input.content.kind.name))]))]
        }

        var defaultTemplate: any PushTemplate { plain }

        func template(for message: MessageFacts) -> any PushTemplate {
            if message.content.attr("confidential") == .string("true") { return confidential }
            switch message.content.kind {
            case .image, .audio, .video, .file: return media
            default: return plain
            }
        }
    }

    private let composer = Composer(
        templates: Selector(),
        registry: TestRegistry(
            clients: ["Tom": ClientEntry(name: "Tom Cat"), "Spike": ClientEntry(name: "Spike", locale: "zh-Hans")],
            conversations: ["conv-1": ConversationEntry(name: "Chase")],
            mutes: ["conv-1": ["Jerry", "Tyke"]]),
        options: Composer.Options(maxPayloadBytes: 400))

    func testMutatedHookBodiesThroughTheComposer() throws {
        var rng = SeededGenerator(seed: 0x5EED_0008)
        var accepted = 0
        var refusals: [String: Int] = [:]
        for _ in 0..<Self.bodyCount {
            let body = Self.mutatedBody(using: &rng)
            do {
                let hook = try ReceiversOfflineHook(HookParameters(body: body), maxPeers: Self.maxPeers)
                check(composer.compose(hook), of: hook)
                accepted += 1
            } catch {
                XCTAssertFalse(error.description.isEmpty)
                refusals[Self.kind(of: error), default: 0] += 1
            }
        }
        print("JSONFuzzTests: \(Self.bodyCount) mutated bodies, \(accepted) accepted and composed, refused: \(refusals.sorted { $0.key < $1.key })")
        // The mutations leave enough bodies whole for the composer, and reach every refusal.
        XCTAssertGreaterThan(accepted, Self.bodyCount / 4)
        for reason in ["invalidUTF8", "notJSON", "notAnObject", "missingField", "wrongType", "tooManyPeers"] {
            XCTAssertGreaterThan(refusals[reason] ?? 0, 0, "no body was refused as \(reason)")
        }
    }

    private static func kind(of error: HookInputError) -> String {
        switch error.reason {
        case .invalidUTF8: return "invalidUTF8"
        case .notJSON: return "notJSON"
        case .notAnObject: return "notAnObject"
        case .missingField: return "missingField"
        case .wrongType: return "wrongType"
        case .tooManyPeers: return "tooManyPeers"
        default: return "other"
        }
    }

    /// Every payload the plan holds is a JSON object to this parser and to Foundation's, and
    /// the answer goes to no one the hook did not name. Content that looks like a JSON
    /// object never shows as JSON, and never shows its text when its attributes (the last
    /// of repeated keys) call it confidential.
    private func check(_ plan: HookPlan, of hook: ReceiversOfflineHook) {
        var shown: [String] = []
        for payload in Set(plan.groups.map(\.payload) + [plan.answer.pushMessage].compactMap({ $0 })) {
            guard let value = try? JSONParser.parse(payload), case .object = value,
                  FoundationJSON.parse(Array(payload.utf8)) is [String: Any]
            else {
                return XCTFail("payload is not a JSON object: \(payload), hook \(hook)")
            }
            Self.collectStrings(of: value, into: &shown)
        }
        let named = Set(hook.offlinePeers)
        XCTAssertTrue(Set(plan.answer.offlinePeers ?? []).isSubset(of: named), "\(plan.answer) for \(hook)")
        XCTAssertTrue(Set(plan.groups.flatMap(\.receivers)).isSubset(of: named), "\(plan.groups) for \(hook)")

        let content = hook.content.drop { $0.isWhitespace }
        guard content.first == "{" else { return }
        let object = try? JSONParser.parse(String(content))
        let text = object?["_lctext"]?.stringValue ?? ""
        // Its first characters, which any template would show of raw JSON (truncation keeps 10).
        let opening = String(content.prefix(8))
        if content.count >= 8, !text.contains(opening), !hook.fromPeer.contains(opening) {
            XCTAssertFalse(shown.contains { $0.contains(opening) }, "raw JSON shown: \(shown) for content \(hook.content)")
        }
        if object?["_lcattrs"]?["confidential"] == .string("true"), text.count >= 4,
           !"Tom Cat: sent you a message".contains(text), !hook.fromPeer.contains(text) {
            XCTAssertFalse(shown.contains { $0.contains(text) }, "confidential text shown: \(shown) for content \(hook.content)")
        }
    }

    private static func collectStrings(of value: JSONValue, into strings: inout [String]) {
        switch value {
        case .string(let s): strings.append(s)
        case .array(let items): for item in items { collectStrings(of: item, into: &strings) }
        case .object(let members): for member in members { collectStrings(of: member.value, into: &strings) }
        default: break
        }
    }

    private static func mutatedBody(using rng: inout SeededGenerator) -> [UInt8] {
        let seed = Int.random(in: 0..<seeds.count, using: &rng)
        if Int.random(in: 0..<10, using: &rng) < 4 {
            return bodyWithMutatedContent(seed, using: &rng)
        }
        var body = seedBodies[seed]
        for _ in 0..<Int.random(in: 1...4, using: &rng) {
            mutate(&body, using: &rng)
        }
        return body
    }

    /// Each seed body split around its content string: what comes before it and after it.
    private static let seedBodiesAroundContent: [(before: [UInt8], after: [UInt8])] = seeds.map { members in
        let marker = "\u{1}content\u{1}"
        let text = JSONEncoding.string(.object(members.map { $0.key == "content" ? (key: $0.key, value: .string(marker)) : $0 }))
        let parts = text.components(separatedBy: JSONEncoding.string(.string(marker)))
        return (before: Array(parts[0].utf8), after: Array(parts[1].utf8))
    }

    /// The seed's body, valid JSON still, around a content whose bytes were mutated.
    private static func bodyWithMutatedContent(_ seed: Int, using rng: inout SeededGenerator) -> [UInt8] {
        var content = Array(contents[seed].utf8)
        for _ in 0..<Int.random(in: 1...3, using: &rng) {
            mutate(&content, using: &rng)
        }
        // Bytes that are not UTF-8 cannot be a JSON string: they are read as U+FFFD, as a client's encoder would.
        var body = seedBodiesAroundContent[seed].before
        JSONEncoding.write(.string(String(decoding: content, as: UTF8.self)), into: &body)
        return body + seedBodiesAroundContent[seed].after
    }

    private static func mutate(_ bytes: inout [UInt8], using rng: inout SeededGenerator) {
        let position = Int.random(in: 0...bytes.count, using: &rng)
        let end = min(bytes.count, position + Int.random(in: 1...16, using: &rng))
        switch Int.random(in: 0..<9, using: &rng) {
        case 0 where position < bytes.count:
            bytes[position] = UInt8.random(in: .min ... .max, using: &rng)
        case 1 where position < bytes.count:
            bytes[position] = structuralBytes.randomElement(using: &rng)!
        case 2:
            bytes.insert(contentsOf: tokens.randomElement(using: &rng)!, at: position)
        case 3:
            bytes.removeSubrange(position..<end)
        case 4:
            // A stretch of another seed body in place of a stretch of this one.
            let other = seedBodies.randomElement(using: &rng)!
            let from = Int.random(in: 0..<other.count, using: &rng)
            bytes.replaceSubrange(position..<end, with: other[from..<min(other.count, from + Int.random(in: 1...40, using: &rng))])
        case 5:
            // A parameter written again, before or after the original.
            let key = ["fromPeer", "convId", "offlinePeers", "content", "timestamp", "mentionAll", "mentionOfflinePeers"]
                .randomElement(using: &rng)!
            let member = JSONEncoding.string(.string(key)) + ":" + JSONEncoding.string(duplicateValues.randomElement(using: &rng)!)
            if Bool.random(using: &rng), let open = bytes.firstIndex(of: UInt8(ascii: "{")) {
                bytes.insert(contentsOf: Array((member + ",").utf8), at: open + 1)
            } else if let close = bytes.lastIndex(of: UInt8(ascii: "}")) {
                bytes.insert(contentsOf: Array(("," + member).utf8), at: close)
            }
        case 6:
            // Nesting around the limit, as a new parameter's value or wherever it lands.
            let nested = nestedArrays.randomElement(using: &rng)!
            if let open = bytes.firstIndex(of: UInt8(ascii: "{")), Bool.random(using: &rng) {
                bytes.insert(contentsOf: Array(#""deep":"#.utf8) + nested + [UInt8(ascii: ",")], at: open + 1)
            } else {
                bytes.insert(contentsOf: nested, at: position)
            }
        case 7:
            bytes.removeSubrange(position...)
        default:
            bytes.insert(UInt8.random(in: .min ... .max, using: &rng), at: position)
        }
    }
}
