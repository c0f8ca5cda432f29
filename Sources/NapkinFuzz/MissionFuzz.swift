import Foundation
import NapkinCore
import NapkinLab

/// The mission target (NAPKIN_FUZZ_TARGET=mission): one input is a `.lab` mission file,
/// optionally followed by an answers file after a line `#--answers--`. The mission is parsed,
/// checked as `napkin check` does (with a small search budget), and run from the answers with an
/// in-memory ledger, whose report is then rendered. Missions, answers and ledgers hold text
/// that authors and students write, so every step must end in a clean error at worst.
enum MissionFuzz {
    static let separator = "\n#--answers--\n"

    static func run(_ input: String) -> Harness.Outcome {
        let (missionText, answersText): (String, String) = {
            guard let r = input.range(of: separator) else { return (input, "") }
            return (String(input[..<r.lowerBound]), String(input[r.upperBound...]))
        }()
        let base = Harness.makeSession()
        let mission: Mission
        do {
            mission = try MissionParser.parse(SourceFile(name: "<fuzz>.lab", text: missionText), units: base.unitNames)
        } catch {
            _ = error.render(color: false)
            return .error
        }
        let answers = (try? Answers(text: answersText)) ?? Answers()

        // napkin check: every session it makes gets the harness's limits and time budget.
        let checker = MissionChecker(mission: mission, makeSession: { () throws(NapkinError) -> Session in
            let s = Harness.makeSession()
            s.interpreter.limits = Harness.limits
            s.interpreter.emit = { _ in }
            Watchdog.shared.arm(s.interpreter.cancel, seconds: Harness.evaluationBudget)
            return s
        })
        checker.searchBudget = 50
        checker.cores = 1   // the harness's sessions share one interpreter
        let report = checker.check(tracks: nil, answers: answersText.isEmpty ? nil : answers)
        Watchdog.shared.disarm()
        _ = report.lines.map { Sanitized.text($0) }

        // A scripted run, on each of the first two tracks.
        var outcome = Harness.Outcome.ok
        let tracks = mission.tracks.isEmpty ? [nil] : mission.tracks.prefix(2).map { Optional($0.id) }
        for id in tracks {
            let session = Harness.makeSession()
            session.interpreter.limits = Harness.limits
            session.interpreter.emit = { _ in }
            let ledger = Ledger()
            let io = ScriptedIO(answers: answers, track: id ?? "default")
            Watchdog.shared.arm(session.interpreter.cancel, seconds: Harness.evaluationBudget)
            defer { Watchdog.shared.disarm() }
            do {
                let runner = try MissionRunner(mission: mission, session: session, ledger: ledger, io: io, trackID: id)
                _ = try runner.run()
            } catch {
                _ = error.description
                outcome = .error
            }
            let report = LedgerReport(entries: ledger.entries)
            _ = report.text()
            _ = report.markdown()
        }
        return outcome
    }
}
