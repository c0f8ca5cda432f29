import Foundation
import Testing

@Suite("Conformance: Tests/Conformance/**/*.lab")
struct ConformanceTests {
    static let cases = files(under: "Tests/Conformance", withExtension: "lab")

    @Test("there are at least 200 conformance cases")
    func enoughCases() {
        #expect(Self.cases.count >= 200, "only \(Self.cases.count) conformance files")
    }

    @Test("conformance file", arguments: cases.map { ($0 as NSString).lastPathComponent })
    func conformance(_ name: String) throws {
        let path = Self.cases.first { ($0 as NSString).lastPathComponent == name }!
        let c = try ConformanceCase(path: path)
        #expect(!c.expectations.isEmpty, "\(name) has no '# expect' or '# error' lines, so it cannot fail")
        for problem in c.run() {
            Issue.record(Comment(rawValue: problem))
        }
    }
}
