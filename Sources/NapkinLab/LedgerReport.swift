import Foundation

/// The report of a ledger, for `napkin ledger show` and the mission's closing synthesis:
/// predictions against reveals, goals and tries, reflections.
public struct LedgerReport {
    public let entries: [LedgerEntry]
    public init(entries: [LedgerEntry]) { self.entries = entries }

    var start: LedgerEntry? { entries.first { $0.type == "start" } }

    func partTitle(_ id: String?) -> String {
        guard let id else { return "" }
        if id == "synthesis" { return "Synthesis" }
        return entries.first { $0.type == "part" && $0["part"] == id }?["title"] ?? id
    }

    /// The predictions and goals so far, as a short text table.
    public func predictionsAndGoals() -> String {
        var lines: [String] = []
        let reveals = entries.filter { $0.type == "reveal" }
        if !reveals.isEmpty {
            lines.append("Predictions:")
            for r in reveals {
                lines.append("  \(r["correct"] == "true" ? "✓" : "✗") \(r["id"] ?? ""): you said \(r["predicted"] ?? ""), the physics \(r["actual"] ?? "")")
            }
        }
        let goals = entries.filter { $0.type == "goal" }
        if !goals.isEmpty {
            lines.append("Goals:")
            for g in goals {
                lines.append("  \(g["status"] == "met" ? "✓" : "✗") \(g["text"] ?? "") — \(g["status"] ?? "") after \(g["tries"] ?? "?") of \(g["budget"] ?? "?") tries")
            }
        }
        return lines.joined(separator: "\n")
    }

    public func text() -> String { render(markdown: false) }
    public func markdown() -> String { render(markdown: true) }

    func render(markdown md: Bool) -> String {
        var out: [String] = []
        let title = start?["mission"] ?? "napkin mission"
        out.append(md ? "# \(title)" : "═══ \(title) ═══")
        if let s = start {
            out.append(md ? "" : "")
            out.append((md ? "- **Track:** " : "Track:    ") + "\(s["track"] ?? "") — \(s["persona"] ?? "")")
            out.append((md ? "- **Started:** " : "Started:  ") + (s["time"] ?? ""))
            if let f = entries.last(where: { $0.type == "finish" }) {
                out.append((md ? "- **Finished:** " : "Finished: ") + (f["time"] ?? "") + " — \(f["correct"] ?? "0") of \(f["predictions"] ?? "0") predictions right, \(f["met"] ?? "0") of \(f["goals"] ?? "0") goals met")
            } else {
                out.append(md ? "- **Status:** not finished" : "Status:   not finished")
            }
            out.append((md ? "- **Entries:** " : "Entries:  ") + "\(entries.count), hash chain ends \(String((entries.last?.hash ?? "").prefix(16)))…")
        }
        var partOrder: [String] = []
        for e in entries { if let p = e["part"], !partOrder.contains(p) { partOrder.append(p) } }
        for p in partOrder {
            let es = entries.filter { $0["part"] == p }
            out.append("")
            out.append(md ? "## \(partTitle(p))" : "── \(partTitle(p)) ──")
            for e in es {
                switch e.type {
                case "answer":
                    out.append(bullet(md) + "Predicted **\(e["id"] ?? "")**: \(e["display"] ?? e["value"] ?? "")".strippingBold(!md)
                               + "   receipt \(Ledger.receipt(of: e))" + (md ? "  \n  _\(e["prompt"] ?? "")_" : "\n      (\(e["prompt"] ?? ""))"))
                case "reveal":
                    out.append(bullet(md) + "\(e["correct"] == "true" ? "✓" : "✗") Reveal **\(e["id"] ?? "")**: \(e["verdict"] ?? "")".strippingBold(!md))
                    if let x = e["explanation"], !x.isEmpty { out.append((md ? "  " : "      ") + x) }
                case "move":
                    // The path explored: each move with what the instruments and goals read.
                    out.append(bullet(md) + "Try \(e["try"] ?? "?"): \(md ? "`" : "")\(e["knobs"] ?? e["line"] ?? "")\(md ? "`" : "")")
                    if let r = e["readouts"], !r.isEmpty {
                        for x in r.components(separatedBy: "; ") { out.append((md ? "    - " : "        ") + x) }
                    }
                case "attempt":
                    out.append(bullet(md) + "Try \(e["try"] ?? "?"): tested the goals")
                case "goal_met":
                    out.append(bullet(md) + "✓ Goal met at try \(e["tries"] ?? "?"): \(e["text"] ?? "")")
                case "goal_lost":
                    out.append(bullet(md) + "✗ Goal lost at try \(e["tries"] ?? "?"): \(e["text"] ?? "")")
                case "hint":
                    out.append(bullet(md) + "Hint taken at try \(e["try"] ?? "?"): \(e["hint"] ?? "")")
                case "peek":
                    out.append(bullet(md) + "Math Peek: \(e["name"] ?? "")")
                case "goal":
                    out.append(bullet(md) + "\(e["status"] == "met" ? "✓" : "✗") Goal: \(e["text"] ?? "") — \(e["status"] ?? "") after \(e["tries"] ?? "?") of \(e["budget"] ?? "?") tries")
                case "reflect":
                    out.append(bullet(md) + "Reflection: \(md ? "_" : "")\(e["prompt"] ?? "")\(md ? "_" : "")" + (md ? "  \n  > " : "\n      ") + (e["answer"] ?? ""))
                case "workbench_done":
                    let moves = es.filter { $0.type == "move" }.count, attempts = es.filter { $0.type == "attempt" }.count
                    let hints = es.filter { $0.type == "hint" }.count
                    out.append(bullet(md) + "Workbench closed after \(e["tries"] ?? "?") tries: \(moves) line\(moves == 1 ? "" : "s") moving knobs, \(attempts) goal test\(attempts == 1 ? "" : "s"), \(hints) hint\(hints == 1 ? "" : "s")")
                default: break
                }
            }
        }
        return out.joined(separator: "\n") + "\n"
    }

    func bullet(_ md: Bool) -> String { md ? "- " : "  • " }
}

extension String {
    func strippingBold(_ strip: Bool) -> String { strip ? replacingOccurrences(of: "**", with: "") : self }
}
