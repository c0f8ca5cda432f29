import CVectorMath
import Foundation
import Testing
import TestSupport

/// napkin's power (`Sources/CVectorMath`) must give each point the same bits alone and in a
/// block of any length, at any position, whatever its neighbours are: blocks, point by point
/// and any number of cores then agree. It must also stay within a few units in the last place
/// of libm's `pow`, which an independent oracle checks here.
@Suite("napkin's power: the same bits alone and in blocks")
struct VectorPowerTests {
    @Test("a point's power does not depend on the block around it", arguments: [1, 2, 3, 4, 5, 7, 8, 9, 1023, 1024, 1025])
    func laneIndependence(n: Int) {
        var r = SplitMix64(state: UInt64(n) &* 7919)
        let xs = (0..<n).map { _ in Double(r.next() % 1_000_000) / 997 + 1e-3 }
        let ys = (0..<n).map { _ in Double(Int(r.next() % 4001) - 2000) / 1000 }
        var vv = [Double](repeating: 0, count: n), vs = vv, sv = vv
        napkin_pow_vv(xs, ys, &vv, n)
        napkin_pow_vs(xs, 0.4, &vs, n)
        napkin_pow_sv(2.5, ys, &sv, n)
        for i in 0..<n {
            #expect(vv[i].bitPattern == napkin_pow(xs[i], ys[i]).bitPattern, "x=\(xs[i]) y=\(ys[i]) at \(i) of \(n)")
            #expect(vs[i].bitPattern == napkin_pow(xs[i], 0.4).bitPattern, "x=\(xs[i]) at \(i) of \(n)")
            #expect(sv[i].bitPattern == napkin_pow(2.5, ys[i]).bitPattern, "y=\(ys[i]) at \(i) of \(n)")
            // Within 4 units in the last place of libm's pow.
            let exact = Foundation.pow(xs[i], ys[i])
            #expect(abs(vv[i] - exact) <= 4 * exact.ulp, "x=\(xs[i]) y=\(ys[i]): \(vv[i]) vs libm \(exact)")
        }
    }

    @Test("blocks and single values agree over the whole range of doubles (8-, 4- and 2-lane kernels)")
    func wholeRange() {
        var r = SplitMix64(state: 20261129)
        let n = 4096
        var xs = [Double](), ys = [Double]()
        for _ in 0..<n {
            let e = Double(Int(r.next() % 1200)) / 2 - 300
            xs.append(Foundation.pow(10, e) * (1 + Double(r.next() % 1000) / 1000))
            var y = Double(Int(r.next() % 200_001) - 100_000) / 1000
            if r.next() % 4 == 0 { y = y.rounded() }
            ys.append(y)
        }
        var out = [Double](repeating: 0, count: n)
        napkin_pow_vv(xs, ys, &out, n)
        var differ = 0
        for i in 0..<n where out[i].bitPattern != napkin_pow(xs[i], ys[i]).bitPattern { differ += 1 }
        #expect(differ == 0, "\(differ) of \(n) powers differ between a block and one value")
    }

    @Test("exact cases stay exact")
    func exactCases() {
        #expect(napkin_pow(2, 10) == 1024)
        #expect(napkin_pow(10, 3) == 1000)
        #expect(napkin_pow(2, -1) == 0.5)
        #expect(napkin_pow(16, 0.5) == 4)
        #expect(napkin_pow(0, 0) == 1)
        #expect(napkin_pow(0, 2) == 0)
        #expect(napkin_pow(1, 1e300) == 1)
    }
}
