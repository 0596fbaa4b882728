/// Writes one JSON object member by member straight into UTF-8, for records that are
/// encoded once and never read back (the audit log): building a `JSONValue` tree first
/// cost as much as encoding it. Strings are escaped by `JSONEncoding`, as everywhere.
public struct JSONObjectWriter {
    // Inlinable so that `member(_:objects:_:)`, generic, is specialized where it is called.
    @usableFromInline var bytes: [UInt8]
    @usableFromInline var empty = true

    public init(reservingCapacity capacity: Int = 512) {
        bytes = []
        bytes.reserveCapacity(capacity)
        bytes.append(UInt8(ascii: "{"))
    }

    /// The object's bytes, closed.
    @inlinable
    public consuming func finish() -> [UInt8] {
        bytes.append(UInt8(ascii: "}"))
        return bytes
    }

    public mutating func member(_ key: String, _ value: String) {
        self.key(key)
        JSONEncoding.writeString(value, into: &bytes)
    }

    /// `null` when `value` is nil.
    public mutating func member(_ key: String, _ value: String?) {
        guard let value else { return member(key, JSONValue.null) }
        member(key, value)
    }

    public mutating func member(_ key: String, _ value: Int) {
        self.key(key)
        bytes.append(contentsOf: String(value).utf8)
    }

    public mutating func member(_ key: String, _ value: Bool) {
        self.key(key)
        bytes.append(contentsOf: (value ? "true" : "false").utf8)
    }

    public mutating func member(_ key: String, _ value: JSONValue) {
        self.key(key)
        JSONEncoding.write(value, into: &bytes)
    }

    /// An object, written by `write` in place.
    @inlinable
    public mutating func member(_ key: String, object write: (inout JSONObjectWriter) -> Void) {
        self.key(key)
        var nested = JSONObjectWriter(continuing: &bytes)
        write(&nested)
        bytes = nested.finish()
    }

    /// `json`, already encoded (one JSON value's UTF-8), as it is.
    public mutating func member(_ key: String, encoded json: [UInt8]) {
        self.key(key)
        bytes.append(contentsOf: json)
    }

    public mutating func member(_ key: String, strings: [String]) {
        self.key(key)
        bytes.append(UInt8(ascii: "["))
        for (index, string) in strings.enumerated() {
            if index > 0 { bytes.append(UInt8(ascii: ",")) }
            JSONEncoding.writeString(string, into: &bytes)
        }
        bytes.append(UInt8(ascii: "]"))
    }

    /// An array of objects, each written by `write`.
    @inlinable
    public mutating func member<Elements: Sequence>(
        _ key: String, objects: Elements, _ write: (inout JSONObjectWriter, Elements.Element) -> Void
    ) {
        self.key(key)
        bytes.append(UInt8(ascii: "["))
        var first = true
        for element in objects {
            if !first { bytes.append(UInt8(ascii: ",")) }
            first = false
            // The nested object continues in the same buffer: moved, not copied.
            var nested = JSONObjectWriter(continuing: &bytes)
            write(&nested, element)
            bytes = nested.finish()
        }
        bytes.append(UInt8(ascii: "]"))
    }

    @usableFromInline
    init(continuing buffer: inout [UInt8]) {
        bytes = []
        swap(&bytes, &buffer)
        bytes.append(UInt8(ascii: "{"))
    }

    @usableFromInline
    mutating func key(_ key: String) {
        if !empty { bytes.append(UInt8(ascii: ",")) }
        empty = false
        JSONEncoding.writeString(key, into: &bytes)
        bytes.append(UInt8(ascii: ":"))
    }
}
