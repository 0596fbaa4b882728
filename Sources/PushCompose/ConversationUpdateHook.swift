/// The parameters of a `_conversationUpdate` call: exactly one of `mute` or `attr`.
public struct ConversationUpdateHook: Sendable, Equatable {
    public enum Change: Sendable, Equatable {
        /// The initiator mutes (`true`) or unmutes the conversation for themself.
        case mute(Bool)
        /// Attributes being set; `name` is the conversation's name when given.
        case attributes(name: String?)
    }

    public var initBy: String
    public var convId: String
    public var change: Change

    public init(initBy: String, convId: String, change: Change) {
        self.initBy = initBy
        self.convId = convId
        self.change = change
    }

    public init(_ parameters: HookParameters) throws(HookInputError) {
        let initBy = try parameters.id("initBy")
        let convId = try parameters.id("convId")
        if let mute = try parameters.optionalBool("mute") {
            self.init(initBy: initBy, convId: convId, change: .mute(mute))
        } else if let attr = parameters["attr"], attr != .null {
            guard case .object = attr else { throw HookInputError(.wrongType(field: "attr", expected: "an object")) }
            guard let name = attr["name"], name != .null else {
                self.init(initBy: initBy, convId: convId, change: .attributes(name: nil))
                return
            }
            guard case .string(let s) = name else { throw HookInputError(.wrongType(field: "attr.name", expected: "a string")) }
            self.init(initBy: initBy, convId: convId, change: .attributes(name: s))
        } else {
            // Neither: nothing this service learns from, and no reason to refuse the update.
            self.init(initBy: initBy, convId: convId, change: .attributes(name: nil))
        }
    }
}
