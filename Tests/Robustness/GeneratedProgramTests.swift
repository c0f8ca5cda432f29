import Foundation
import NapkinCore
import NapkinInstruments
import Testing

/// Random valid programs from Grammar/napkin.ebnf (see ProgramGenerator): every one must parse
/// and pass the binder's name check; running them must end in a result or a clean napkin error.
@Suite("Grammar-driven generator")
struct GeneratedProgramTests {
    static let programs = 400

    @Test("every generated program parses, name-checks and runs or fails cleanly")
    func generatedProgramsParse() throws {
        var failures: [String] = []
        var ran = 0, runtimeErrors: [Phase: Int] = [:]
        for seed in 0..<UInt64(Self.programs) {
            var g = ProgramGenerator(seed: seed &* 0x1_0000_0001 &+ 17)
            let source = g.program(statements: 2 + Int(seed % 12))
            if let dir = ProcessInfo.processInfo.environment["NAPKIN_GENERATED_DIR"] {
                // Seeds for the fuzzer (fuzz/README.md).
                try? source.write(toFile: "\(dir)/generated-\(seed).lab", atomically: true, encoding: .utf8)
            }
            let result: Result<Void, NapkinError> = PreludeBase.shared.withSession { session in
                session.onResult = { v in
                    _ = try? session.interpreter.describe(v)
                    if case .figure(let f) = v {
                        _ = try? Instruments.renderText(f, style: RenderStyle())
                        _ = try? Instruments.renderSVG(f)
                    }
                }
                do {
                    _ = try session.parse(source, name: "generated-\(seed).lab")
                } catch let error as NapkinError {
                    return .failure(error)
                } catch {
                    return .failure(NapkinError(.runtime, "\(error)"))
                }
                do {
                    try session.run(source, name: "generated-\(seed).lab")
                } catch let error as NapkinError {
                    runtimeErrors[error.phase, default: 0] += 1
                    return .success(())
                } catch {
                    return .failure(NapkinError(.runtime, "\(error)"))
                }
                ran += 1
                return .success(())
            }
            if case .failure(let e) = result {
                failures.append("seed \(seed): \(e.render())\n--- program:\n\(source.prefix(2000))\n---")
            }
        }
        #expect(failures.isEmpty, "\(failures.count) generated programs were rejected:\n\(failures.prefix(3).joined(separator: "\n\n"))")
        // Most programs are well typed and run to the end; the rest fail with a napkin error.
        #expect(ran * 3 >= Self.programs, "only \(ran) of \(Self.programs) ran cleanly; errors by phase: \(runtimeErrors)")
        print("generator: \(Self.programs) programs, \(ran) ran to the end, errors by phase: \(runtimeErrors)")
    }

    @Test("the generator is deterministic: a seed names a program")
    func deterministic() {
        var a = ProgramGenerator(seed: 42), b = ProgramGenerator(seed: 42)
        #expect(a.program(statements: 10) == b.program(statements: 10))
    }

    @Test("the generator covers every statement kind of the grammar")
    func coverage() {
        var text = ""
        for seed in 0..<UInt64(Self.programs) {
            var g = ProgramGenerator(seed: seed &* 0x1_0000_0001 &+ 17)
            text += g.program(statements: 2 + Int(seed % 12)) + "\n"
        }
        for keyword in ["let ", "fn ", "knob ", "assert ", "digits", "dimension ", "unit ", "prefix ", "display ",
                        "sweep ", "if ", " then ", " else ", "=>", "...", " step ", " not ", " and ", " or ", "->",
                        " to ", "prefixes ", "plot ", "\\{", "²", "×", "÷", "−", "…", "\r\n", "\u{FEFF}", "#!"] {
            #expect(text.contains(keyword), "no generated program uses '\(keyword)'")
        }
    }
}
