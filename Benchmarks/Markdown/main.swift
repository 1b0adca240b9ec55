// Renders 1 MiB pathological Markdown inputs and prints the time of each (the renderer must
// be linear: 50,000 `[` once took 46 s). Run by `Benchmarks/markdown`; each must take < 50 ms.
import Foundation
import Sanctuary

let size = 1 << 20
func repeated(_ piece: String) -> String {
    String(String(repeating: piece, count: size / piece.utf8.count + 1).utf8.prefix(size)) ?? ""
}
let inputs: [(String, String)] = [
    ("[ × N", repeated("[")),
    ("] × N", repeated("]")),
    ("* × N", repeated("*")),
    ("** a × N", repeated("**a ")),
    ("` × N", repeated("`")),
    ("_ and \\ × N", repeated("_\\")),
    ("[a]( × N", repeated("[a](")),
    ("[x](https://…) × N", repeated("[x](https://example.org/a) ")),
    ("one link, 1 MiB target", "[long](https://example.org/" + repeated("a") + ")"),
    ("nested list lines", repeated("- - - - item\n")),
    ("nested quotes", repeated("> > > > quote\n")),
    ("numbered items", repeated("1. item\n")),
    ("headings", repeated("### title\n")),
    ("< & \" ' × N", repeated("<&\"'")),
    ("one line of text", repeated("word ")),
]
var worst = 0.0
print("input (1 MiB each)              ms")
for (name, text) in inputs {
    var best = Double.infinity
    for _ in 0..<3 {
        let start = DispatchTime.now().uptimeNanoseconds
        let html = Markdown.render(text)
        let elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6
        precondition(!html.rendered.isEmpty)
        best = min(best, elapsed)
    }
    worst = max(worst, best)
    print(name.padding(toLength: 30, withPad: " ", startingAt: 0), String(format: "%8.1f", best))
}
print(String(format: "worst: %.1f ms (goal: < 50 ms each)", worst))
exit(worst < 50 ? 0 : 1)
