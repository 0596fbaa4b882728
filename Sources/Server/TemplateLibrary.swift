import Foundation
import PushCompose
import Synchronization
import Templates

/// The template set in use, swapped whole on reload. A set that fails to load is
/// refused and the previous one stays.
final class TemplateLibrary: Sendable {
    let directory: URL
    let options: Composer.Options
    private let current: Mutex<TemplateSet>

    init(directory: URL, options: Composer.Options) throws(TemplateSetError) {
        self.directory = directory
        self.options = options
        current = Mutex(try TemplateSet.load(directory: directory, options: options))
    }

    var templates: TemplateSet { current.withLock { $0 } }

    /// Loads the directory again; on failure keeps the set in use and throws the problems.
    @discardableResult
    func reload() throws(TemplateSetError) -> TemplateSet {
        let fresh = try TemplateSet.load(directory: directory, options: options)
        current.withLock { $0 = fresh }
        return fresh
    }
}
