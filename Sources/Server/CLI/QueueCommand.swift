import ArgumentParser
import Delivery
import Foundation
import Logging
import PostgresStorage
import PushCompose
import SQLiteStorage

extension JobState: ExpressibleByArgument {}
extension ProviderKind: ExpressibleByArgument {}

/// `pushcompose queue …`: the delivery queue of a data directory, read and repaired in
/// place, the same as the admin API's `/v1/queue`.
struct QueueCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "queue",
        abstract: "Show, retry and purge the delivery queue (the data directory's, or the configured database's).",
        discussion: """
            With SQLite, opens the data directory's \(SQLiteDeliveryDatabase.fileName) directly (WAL mode allows this \
            while serve runs); a job retried here is picked up by the running server's workers at their next poll, at \
            most deliveryPollSeconds later. With PostgreSQL (database, PUSHCOMPOSE_DATABASE_URL), a retry wakes the \
            workers of every instance at once.
            """,
        subcommands: [Stats.self, List.self, Retry.self, Purge.self])

    /// What every queue command takes: where the queue is, and how to print.
    struct Options: ParsableArguments {
        @Option(help: "Data directory whose queue to open (default: the one serve would use).")
        var data: String?

        @Option(help: "Optional YAML configuration file, the same as serve's.")
        var config: String?

        @Flag(help: "Print JSON, as the admin API answers, instead of a table.")
        var json = false

        /// The queue serve keeps; an error when there is none (nothing is created). A
        /// PostgreSQL database is used as it is, not migrated (`pushcompose migrate`).
        func openQueue() async throws -> any DeliveryQueue {
            let configuration = try ServerConfiguration.forCommand(file: config)
            if data == nil, let url = configuration.database {
                let database = try await PostgresDatabase.openWithoutMigrating(url: try PostgresURL(url), logger: Logger(label: "pushcompose.queue"))
                return PostgresDeliveryQueue(database: database, instanceId: "pushcompose-queue-command")
            }
            let directory = URL(fileURLWithPath: data ?? configuration.data)
            guard FileManager.default.fileExists(atPath: directory.appendingPathComponent(SQLiteDeliveryDatabase.fileName).path) else {
                printError("pushcompose: no delivery queue in \(directory.path) (serve creates \(SQLiteDeliveryDatabase.fileName) there)")
                throw ExitCode.failure
            }
            let database = try SQLiteDeliveryDatabase(directory: directory, durability: configuration.delivery.queueDurability)
            return SQLiteDeliveryQueue(database: database, instanceId: "pushcompose-queue-command")
        }

        /// Records what a command changed as an `operation` record (`via: cli`) in the data
        /// directory's audit log. The change is made by then: a record that cannot be
        /// written is said as such (exit status 1), so that nobody repeats the change.
        func audit(_ action: OperationAuditRecord.Action, members: [(String, JSONValue)]) async throws {
            do {
                let configuration = try ServerConfiguration.forCommand(file: config)
                try await CommandAudit.record(
                    OperationAuditRecord.line(action, via: .cli, members: members), configuration: configuration,
                    data: URL(fileURLWithPath: data ?? configuration.data))
            } catch {
                printError("pushcompose: done, but its audit record (\(action.rawValue)) could not be written: \(error)")
                throw ExitCode.failure
            }
        }

        func show(_ value: JSONValue, orText text: @autoclosure () -> String) {
            print(json ? JSONEncoding.string(value) : text())
        }
    }

    struct Stats: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Jobs per provider: ready, leased, dead, delivered, device gone; the oldest ready job's age; each instance's workers and leases.")

        @OptionGroup var options: Options

        func run() async throws {
            let queue = try await options.openQueue()
            let now = Date()
            let stats = try await queue.stats(now: now)
            var table = TextTable("PROVIDER", "READY", "LEASED", "DEAD", "DELIVERED", "DEVICE GONE")
            for provider in ProviderKind.allCases {
                let counts = stats.counts(provider)
                table.add(provider.rawValue, "\(counts.ready)", "\(counts.leased)", "\(counts.dead)", "\(counts.delivered)", "\(counts.deviceGone)")
            }
            var instances = TextTable("INSTANCE", "WORKERS", "LEASES", "LAST SEEN")
            for instance in stats.instances {
                instances.add(instance.id, String(instance.workers), String(instance.leases), instance.lastSeenAt.map { UTCTimestamp.iso8601($0) } ?? "-")
            }
            options.show(
                DeliveryJSON.stats(stats, now: now),
                orText: table.text + "\noldest ready job: \(DeliveryJSON.oldestReadyAgeSeconds(stats, now: now))s\n"
                    + "intake records not yet admitted: \(stats.intakeRecords)\n\n" + instances.text)
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Jobs in id order; a full page ends with the --after of the next one.")

        @OptionGroup var options: Options

        @Option(help: "ready, leased or dead (default: all).")
        var state: JobState?

        @Option(help: "apns, fcm, platform or webhook (default: all).")
        var provider: ProviderKind?

        @Option(help: "Only jobs with a larger id: the next page's cursor.")
        var after: Int64?

        @Option(help: "At most this many jobs, 1 to \(JobPage.maxLimit).")
        var limit = JobPage.defaultLimit

        func validate() throws {
            guard (1...JobPage.maxLimit).contains(limit) else { throw ValidationError("--limit must be from 1 to \(JobPage.maxLimit)") }
            if let after, after < 0 { throw ValidationError("--after must be a job id, 0 or more") }
        }

        func run() async throws {
            let page = try await JobPage.read(
                try await options.openQueue(), matching: JobFilter(state: state, provider: provider), afterId: after, limit: limit)
            var table = TextTable("ID", "STATE", "PROVIDER", "RECEIVER", "ATTEMPTS", "QUEUED", "DUE", "DEAD", "LAST ANSWER")
            for job in page.jobs {
                let last = [job.lastStatus.map(String.init), job.lastReason].compactMap { $0 }.joined(separator: " ")
                table.add(
                    String(job.id), job.state.rawValue, job.device.provider.rawValue, job.receiver, String(job.attempts),
                    UTCTimestamp.iso8601(job.queuedAt), job.dueAt.map { UTCTimestamp.iso8601($0) } ?? "-",
                    job.deadAt.map { UTCTimestamp.iso8601($0) } ?? "-", last.isEmpty ? "-" : last)
            }
            options.show(DeliveryJSON.page(page), orText: table.text + (page.next.map { "\nmore: --after \($0)" } ?? ""))
        }
    }

    struct Retry: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Re-queue a dead job, or every dead job, due at once with fresh attempts and age.",
            discussion: "With SQLite, the running server's workers pick retried jobs up at their next poll (deliveryPollSeconds).")

        @OptionGroup var options: Options

        @Argument(help: "The dead job's id.")
        var id: Int64?

        @Flag(help: "Every dead job (of --provider when given).")
        var allDead = false

        @Option(help: "With --all-dead: only this provider's dead jobs.")
        var provider: ProviderKind?

        func validate() throws {
            guard (id != nil) != allDead else { throw ValidationError("give either a job id or --all-dead") }
            if provider != nil, !allDead { throw ValidationError("--provider goes with --all-dead") }
        }

        func run() async throws {
            let queue = try await options.openQueue()
            let retried: Int
            let record: (action: OperationAuditRecord.Action, members: [(String, JSONValue)])
            if let id {
                guard let job = try await queue.job(id: id), job.state == .dead, try await queue.retryDead(id: id, now: Date()) else {
                    printError("pushcompose: no dead job with id \(id)")
                    throw ExitCode.failure
                }
                retried = 1
                record = (.retryJob, [
                    ("job", .number(Double(id))), ("push", .string(job.pushId)), ("receiver", .string(job.receiver)),
                    ("provider", .string(job.device.provider.rawValue)), ("count", .number(1)),
                ])
            } else {
                retried = try await queue.retryAllDead(provider: provider, now: Date())
                record = (.retryAllDead, [("provider", provider.map { .string($0.rawValue) } ?? .null), ("count", .number(Double(retried)))])
            }
            options.show(DeliveryJSON.count("retried", retried), orText: "retried \(retried)")
            try await options.audit(record.action, members: record.members)
        }
    }

    struct Purge: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete dead jobs, all or those dead for longer than --older-than.")

        @OptionGroup var options: Options

        @Option(help: "dead: only dead jobs can be purged.")
        var state: JobState

        @Option(help: "Only jobs dead for longer than this: \(DurationText.examples).")
        var olderThan: String?

        func validate() throws {
            guard state == .dead else { throw ValidationError("only dead jobs can be purged: --state dead") }
            if let olderThan, DurationText.seconds(olderThan) == nil {
                throw ValidationError("--older-than must be a duration such as \(DurationText.examples) (at most \(DurationText.maxSeconds / 86_400)d), not '\(olderThan)'")
            }
        }

        func run() async throws {
            let cutoff = olderThan.flatMap(DurationText.seconds).map { Date().addingTimeInterval(-Double($0)) }
            let purged = try await options.openQueue().purgeDead(olderThan: cutoff)
            options.show(DeliveryJSON.count("purged", purged), orText: "purged \(purged)")
            try await options.audit(.purgeDead, members: [
                ("olderThan", olderThan.map(JSONValue.string) ?? .null), ("count", .number(Double(purged))),
            ])
        }
    }
}
