import Foundation
import NapkinLab

/// The ledger target (NAPKIN_FUZZ_TARGET=ledger): one input is a ledger file as it might be
/// found on disk — edited, torn by a crash, truncated, or written by hand. It is verified,
/// its torn tail is found as `--resume` would repair it, and a verified prefix is reported.
enum LedgerFuzz {
    static func run(_ text: String) -> Harness.Outcome {
        let result = Ledger.verify(text: text)
        let report = LedgerReport(entries: result.entries)
        _ = report.text()
        _ = report.markdown()
        _ = report.predictionsAndGoals()
        return result.ok ? .ok : .error
    }
}
