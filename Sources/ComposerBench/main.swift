// The composer alone — decode → select → render → encode — per call, without HTTP,
// so a regression in the hot path shows. Run by bench/run; prints a Markdown table.
//
//   pushcompose-bench TEMPLATES_DIR BODIES.json [SECONDS_PER_CASE]
//
// BODIES.json: [{"name": "...", "body": {...hook parameters...}}, ...]
import Foundation
import PushCompose
import Templates

let arguments = CommandLine.arguments
guard arguments.count >= 3 else {
    FileHandle.standardError.write(Data("usage: pushcompose-bench TEMPLATES_DIR BODIES.json [SECONDS_PER_CASE]\n".utf8))
    exit(2)
}
let secondsPerCase = arguments.count > 3 ? Double(arguments[3]) ?? 1 : 1

let templates = try TemplateSet.load(directory: URL(fileURLWithPath: arguments[1]))
let cases = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: arguments[2]))) as! [[String: Any]]
let composer = Composer(templates: templates)

/// One hook call's composer work, from body bytes to answer bytes.
@inline(never)
func call(_ body: [UInt8]) -> Int {
    let hook = try! ReceiversOfflineHook(HookParameters(body: body), maxPeers: 100_000)
    let plan = composer.compose(hook)
    return JSONEncoding.string(.object([(key: "result", value: plan.answer.json)])).utf8.count
}

print("| case | receivers | calls | median µs | p99 µs | calls/s |")
print("|---|---:|---:|---:|---:|---:|")
var sink = 0
for entry in cases {
    let name = entry["name"] as! String
    let bodyObject = entry["body"] as! [String: Any]
    let body = Array(try JSONSerialization.data(withJSONObject: bodyObject))
    let receivers = (bodyObject["offlinePeers"] as? [Any])?.count ?? 0
    for _ in 0..<20 { sink &+= call(body) }  // warm up
    var samples: [Double] = []
    let clock = ContinuousClock()
    let deadline = clock.now + .seconds(secondsPerCase)
    while clock.now < deadline || samples.count < 50 {
        let start = clock.now
        sink &+= call(body)
        let elapsed = clock.now - start
        samples.append(Double(elapsed.components.attoseconds) / 1e12 + Double(elapsed.components.seconds) * 1e6)
    }
    samples.sort()
    let median = samples[samples.count / 2]
    let p99 = samples[min(samples.count - 1, Int(Double(samples.count) * 0.99))]
    let total = samples.reduce(0, +)
    let rate = Double(samples.count) / (total / 1e6)
    print("| \(name) | \(receivers) | \(samples.count) | \(String(format: "%.1f", median)) | \(String(format: "%.1f", p99)) | \(String(format: "%.0f", rate)) |")
}
if sink == 42 { print("") }  // keeps the work from being optimised away
