import PushCompose

/// One audit record as read back: the line as stored and its parsed members.
public struct AuditRecord: Sendable {
    /// The line's bytes as stored, seal included, without the newline.
    public var line: [UInt8]
    public var value: JSONValue
    /// The writer's stream ("" for the single instance's).
    public var stream: String

    public init(line: [UInt8], value: JSONValue, stream: String) {
        self.line = line
        self.value = value
        self.stream = stream
    }

    /// Parses a line; nil when it is not a JSON object (a torn or foreign line).
    public init?(line: [UInt8], stream: String) {
        guard let value = try? JSONParser.parse(line), case .object = value else { return nil }
        self.init(line: line, value: value, stream: stream)
    }

    public var text: String { String(decoding: line, as: UTF8.self) }

    public var time: String { string("time") ?? "" }

    /// The record's kind: `kind` in schema 1, `type` in records written before it (whose
    /// `kind` was the message's kind).
    public var kind: String {
        (value["v"] == nil ? string("type") : string("kind")) ?? ""
    }

    public func string(_ key: String) -> String? { value[key]?.stringValue }

    public func number(_ key: String) -> Double? { value[key]?.numberValue }

    /// The strings of the array `key` (other elements skipped); empty when there is none.
    public func strings(_ key: String) -> [String] { value[key]?.strings ?? [] }

    /// The objects of the array `key`; empty when there is none.
    public func objects(_ key: String) -> [JSONValue] {
        guard case .array(let items)? = value[key] else { return [] }
        return items.filter { if case .object = $0 { true } else { false } }
    }
}

extension JSONValue {
    var numberValue: Double? {
        if case .number(let number) = self { return number }
        return nil
    }

    var boolValue: Bool? {
        if case .bool(let bool) = self { return bool }
        return nil
    }

    var strings: [String] {
        guard case .array(let items) = self else { return [] }
        return items.compactMap(\.stringValue)
    }

    /// A number as a whole number when it is one (`503`, not `503.0`), else as JSON writes it.
    var wholeText: String? {
        switch self {
        case .number(let number) where number == number.rounded() && abs(number) < 1e15: String(Int64(number))
        case .number, .bool, .null: JSONEncoding.string(self)
        case .string(let text): text
        default: nil
        }
    }
}

/// Ids are used exactly as given: two ids are the same when their bytes are, not when
/// Swift's canonical equivalence would call them equal.
func sameId(_ lhs: String?, _ rhs: String) -> Bool {
    guard let lhs else { return false }
    return lhs.utf8.elementsEqual(rhs.utf8)
}
