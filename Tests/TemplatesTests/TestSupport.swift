import Foundation
import PushCompose
import Templates
import XCTest

/// A registry held in memory: names, locales and system conversations for the tests.
struct TestRegistry: RegistryLookup {
    var clients: [String: ClientEntry] = [:]
    var conversations: [String: ConversationEntry] = [:]

    func client(_ id: String) -> ClientEntry? { clients[id] }
    func conversation(_ id: String) -> ConversationEntry? { conversations[id] }
    func mutedClients(conversation: String) -> Set<String> { [] }
}

/// A minimal default template.
let minimalDefault = """
    name: default
    default: true
    push:
      alert: "{{sender.name}}: {{message.text}}"
    """

/// Loads a set from in-memory files, failing the test with every problem if it does not load.
func loadSet(
    _ sources: [(file: String, text: String)], options: Composer.Options = .init(),
    file: StaticString = #filePath, line: UInt = #line
) throws -> TemplateSet {
    do {
        return try TemplateSet.load(sources: sources, options: options)
    } catch {
        XCTFail("the set does not load:\n\(error.description)", file: file, line: line)
        throw error
    }
}

/// The problems of a set that must not load.
func lintProblems(
    _ sources: [(file: String, text: String)], options: Composer.Options = .init(),
    file: StaticString = #filePath, line: UInt = #line
) -> [LintProblem] {
    do {
        _ = try TemplateSet.load(sources: sources, options: options)
        XCTFail("the set loaded, but should not", file: file, line: line)
        return []
    } catch {
        return error.problems
    }
}

/// The seed's text message content, built with Foundation's encoder.
func textContent(_ text: String, attrs: [String: Any]? = nil) -> String {
    var object: [String: Any] = ["_lctype": -1, "_lctext": text]
    if let attrs { object["_lcattrs"] = attrs }
    let data = try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
    return String(decoding: data, as: UTF8.self)
}

func makeHook(
    from sender: String = "Tom", conversation: String = "conv-1", to receivers: [String] = ["Jerry"],
    content: String = textContent("hi"), mentionAll: Bool = false, mentioned: [String] = [], timestamp: Double? = 1_472_200_796_764
) -> ReceiversOfflineHook {
    ReceiversOfflineHook(
        fromPeer: sender, convId: conversation, offlinePeers: receivers, content: content, timestamp: timestamp,
        mentionAll: mentionAll, mentionOfflinePeers: mentioned)
}

func compose(
    _ set: TemplateSet, _ hook: ReceiversOfflineHook, registry: TestRegistry = TestRegistry(),
    options: Composer.Options = .init()
) -> HookPlan {
    Composer(templates: set, registry: registry, options: options).compose(hook)
}

/// A payload decoded with Foundation's parser.
func decodeObject(_ json: String, file: StaticString = #filePath, line: UInt = #line) throws -> [String: Any] {
    let value = try JSONSerialization.jsonObject(with: Data(json.utf8))
    return try XCTUnwrap(value as? [String: Any], "not a JSON object: \(json)", file: file, line: line)
}

func alert(of payload: String?, file: StaticString = #filePath, line: UInt = #line) throws -> String {
    let payload = try XCTUnwrap(payload, "no payload", file: file, line: line)
    let object = try decodeObject(payload, file: file, line: line)
    return try XCTUnwrap(object["alert"] as? String, "no alert in \(payload)", file: file, line: line)
}

/// Each receiver's alert, from the plan's groups.
func alertsByReceiver(_ plan: HookPlan, file: StaticString = #filePath, line: UInt = #line) throws -> [String: String] {
    var alerts: [String: String] = [:]
    for group in plan.groups {
        let text = try alert(of: group.payload, file: file, line: line)
        for receiver in group.receivers { alerts[receiver] = text }
    }
    return alerts
}

/// Each receiver's group locale (the template locale that rendered the push).
func localesByReceiver(_ plan: HookPlan) -> [String: String?] {
    var locales: [String: String?] = [:]
    for group in plan.groups {
        for receiver in group.receivers { locales[receiver] = .some(group.locale) }
    }
    return locales
}

/// The problems a template registry is refused with; a registry that loads fails the test.
func refusalProblems(loading directory: URL, file: StaticString = #filePath, line: UInt = #line) -> [LintProblem] {
    do {
        _ = try TemplateSet.load(directory: directory)
        XCTFail("the registry loaded, but should not", file: file, line: line)
        return []
    } catch {
        return error.problems
    }
}
