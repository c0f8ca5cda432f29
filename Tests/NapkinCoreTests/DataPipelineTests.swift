import Foundation
import Testing
import NapkinCore
import NapkinLibrary

/// Prelude/55_data_pipeline.lab: each lab-04 track's ingestion crisis on its cited figures, and
/// the plausibility of the stage model (MFU and utilisation never above 100%, the bottleneck is
/// the stage that limits the computed rate).
@Suite("Data pipelines (lab 04 crises)")
struct DataPipelineTests {
    typealias P = PhysicsLibraryTests

    // MARK: Cloud Titan — Llama-3-70B on one H100

    @Test("Llama-3-70B at FP8 fits in HBM and is HBM-bound at batch 1 (the blueprint, not the fuel)")
    func titanFP8() throws {
        // Weights 70.6 G params × 1 B; KV cache 2 × 80 layers × 8 KV heads × 128 dims × 1 B per token.
        #expect(try P.value("kv_bytes_per_token(llama3_70b, 1 B)", in: "B/token") == 2 * 80 * 8 * 128)
        let kv = 4096.0 * 2 * 80 * 8 * 128
        let resident = 70.6e9 + kv
        #expect(abs(try P.value("titan_step(fp8_weights, 1).resident", in: "B") - resident) < 1)
        #expect(try P.shown("titan_step(fp8_weights, 1).bottleneck") == "hbm")
        let tStep = resident / 3.35e12
        #expect(abs(try P.value("titan_step(fp8_weights, 1).t_step", in: "s") / tStep - 1) < 1e-9)
        // MFU = 2 × 70.6e9 FLOP / (1979 TFLOPS × t_step) ≈ 0.33%.
        let mfu = 2 * 70.6e9 / (1979e12 * tStep)
        #expect(abs(try P.number("titan_step(fp8_weights, 1).mfu") / mfu - 1) < 1e-9)
        #expect(try P.number("largest_batch(fp8_weights)") == floor((80e9 - 70.6e9) / kv))
    }

    @Test("Llama-3-70B at BF16 spills 62.5 GB to storage: disk I/O cannot keep up with HBM")
    func titanBF16Spill() throws {
        let kv = 4096.0 * 2 * 80 * 8 * 128 * 2
        let spill = 141.2e9 + kv - 80e9
        #expect(abs(try P.value("titan_step(bf16_weights, 1, sata_ssd).spill", in: "B") - spill) < 1)
        #expect(try P.shown("titan_step(bf16_weights, 1, sata_ssd).bottleneck") == "storage")
        #expect(abs(try P.value("titan_step(bf16_weights, 1, sata_ssd).t_step", in: "s") - spill / 550e6) < 1e-6)
        // Even the fastest drive is PCIe- and storage-bound, hundreds of times slower than HBM.
        let nvme = try P.value("titan_step(bf16_weights, 1, nvme_gen5).t_step", in: "s")
        let fp8 = try P.value("titan_step(fp8_weights, 1, nvme_gen5).t_step", in: "s")
        #expect(nvme / fp8 > 100)
        // Cold load of the FP8 weights from NVMe: 70.6 GB / 7 GB/s.
        #expect(abs(try P.value("titan_step(fp8_weights, 1, nvme).cold_load", in: "s") - 70.6e9 / 7e9) < 1e-9)
    }

    @Test("the Cloud Titan runs at the H100's own rates (BF16 989, FP8 1979 TFLOPS) on 2 FLOP per parameter per token")
    func titanUsesH100() throws {
        #expect(try P.value("titan_step(bf16_weights, 1).peak", in: "TFLOPS") == 989)
        #expect(try P.value("titan_step(fp8_weights, 1).peak", in: "TFLOPS") == 1979)
        #expect(abs(try P.value("titan_step(fp8_weights, 1).work", in: "GFLOP") - 141.2) < 1e-9)
    }

    // MARK: Edge Guardian — 8 × 4K cameras into an Orin

    @Test("8 raw 4K30 cameras: CSI-2 carries them (24 of 40 Gb/s) but the ISP's 1.85 Gpixel/s does not")
    func guardianRaw() throws {
        let pixels = 8.0 * 3840 * 2160
        #expect(abs(try P.value("guardian_frames(raw12, 8, cam_4k30, nvme).wire_rate", in: "Gbit/s") - pixels * 12 * 30 / 1e9) < 1e-9)
        #expect(try P.value("guardian_frames(raw12, 8, cam_4k30, nvme).wire_rate", in: "Gbit/s") < 40)
        #expect(try P.shown("guardian_frames(raw12, 8, cam_4k30, nvme).bottleneck") == "isp")
        let isp = pixels * 1.15 / 1.85e9
        #expect(abs(try P.value("guardian_frames(raw12, 8, cam_4k30, nvme).t_step", in: "s") - isp) < 1e-12)
        #expect(abs(try P.number("guardian_frames(raw12, 8, cam_4k30, nvme).dropped") - (1 - (1.0 / 30) / isp)) < 1e-9)
        // Six cameras fit the ISP; all eight do with a camera-side ISP (YUV422 over CSI-2).
        #expect(try P.number("guardian_frames(raw12, 6, cam_4k30, nvme).dropped") == 0)
        #expect(try P.shown("guardian_frames(yuv422_camera, 8, cam_4k30, nvme).bottleneck") == "sensors")
    }

    @Test("on-sensor H.265 moves the choke to NVDEC (7 × 4K30 per the Orin datasheet)")
    func guardianH265() throws {
        #expect(try P.shown("guardian_frames(h265_camera, 8, cam_4k30, nvme).bottleneck") == "nvdec")
        #expect(try P.number("guardian_frames(h265_camera, 7, cam_4k30, nvme).dropped") == 0)
        #expect(try P.shown("guardian_frames(raw12, 8, cam_4k30, emmc).bottleneck") == "logger")
    }

    @Test("the Orin's power modes: DNN rate from TPCs × GPU clock and DLA clock; 50 W keeps 8 × 4K30 YUV422 fed without dropping frames, MAXN idles, 30 W drops")
    func guardianPowerModes() throws {
        #expect(try P.number("orin_mode_scale(orin_maxn)") == 1)
        // GPU 85 dense TOPS × (8 TPC × 828.75 MHz) / (8 × 1301) + DLA 52.5 × 1369.6 / 1600, over 137.5.
        let gpu50: Double = 85 * 828.75 / 1301, dla50: Double = 52.5 * 1369.6 / 1600
        let w50 = (gpu50 + dla50) / 137.5
        #expect(abs(try P.number("orin_mode_scale(orin_50w)") - w50) < 1e-12)
        let gpu30: Double = 85 * 4 * 624.75 / (8 * 1301), dla30: Double = 52.5 * 768 / 1600
        let w30 = (gpu30 + dla30) / 137.5
        #expect(abs(try P.number("orin_mode_scale(orin_30w)") - w30) < 1e-12)
        // The DNN: 8 × ResNet-50 (4.1 GMAC at 224²) on 1920×1080 inputs at the mode's INT8 rate, per 1/30 s.
        let inputs: Double = (1920.0 * 1080) / (224 * 224)
        let work: Double = 8 * 4.1e9 * 2 * inputs
        let load = { (scale: Double) in work / (137.5e12 * scale) * 30 }
        let call = { (m: String) in "guardian_frames(yuv422_camera, 8, cam_4k30, nvme, power: \(m))" }
        #expect(abs(try P.number("\(call("orin_maxn")).dnn_load") - load(1)) < 1e-9)
        #expect(try P.number("\(call("orin_maxn")).dnn_load") < 0.75)
        let fed = try P.number("\(call("orin_50w")).dnn_load")
        #expect(abs(fed - load(w50)) < 1e-9 && fed >= 0.75 && fed <= 1)
        #expect(try P.number("\(call("orin_50w")).dropped") <= 0)
        #expect(try P.number("\(call("orin_30w")).dropped") > 0)
        #expect(try P.shown("\(call("orin_30w")).bottleneck") == "compute")
        // Every mode's budget within the module's 60 W; the camera path is not slowed by the mode.
        #expect(try P.shown("max(map(orin_power_modes, m => m.budget)) <= orin.power") == "true")
        #expect(try P.value("\(call("orin_15w")).times.csi_link", in: "s") == (try P.value("\(call("orin_maxn")).times.csi_link", in: "s")))
    }

    // MARK: Mobile Nomad — Bluetooth vs the glasses' NPU

    @Test("a raw 720p frame over Bluetooth 2.0 costs 0.57 µJ/bit × 11 Mbit; recognising it on the NPU costs millijoules")
    func nomadRadio() throws {
        let bits = 1280.0 * 720 * 1.5 * 8
        #expect(abs(try P.value("nomad_frame(raw_frame, glasses_res_720).radio_energy", in: "J") - bits * 0.57e-6) < 1e-9)
        #expect(abs(try P.value("nomad_frame(raw_frame, glasses_res_720).t_step", in: "s") - bits / 2.1e6) < 1e-9)
        #expect(try P.shown("nomad_frame(raw_frame, glasses_res_720).bottleneck") == "radio")
        let local = try P.value("nomad_frame(text_result, glasses_res_720).energy_per_frame", in: "J")
        #expect(local < 0.01)
        #expect(try P.value("nomad_frame(text_result, glasses_res_480).battery_life", in: "h") > 3)
        #expect(try P.value("nomad_frame(raw_frame, glasses_res_480).battery_life", in: "h") < 1)
    }

    @Test("the NPU's DVFS point: time ∝ 1 / clock, energy per op ∝ V²; at 480p the top point misses 4 h, 60% clock at 80% V makes it, 10% clock misses 60 FPS")
    func nomadDVFS() throws {
        let top = try P.value("nomad_frame(text_result, glasses_res_480).compute_energy", in: "J")
        let mid = try P.value("nomad_frame(text_result, glasses_res_480, point: ar1_balanced).compute_energy", in: "J")
        #expect(abs(mid / top - 0.8 * 0.8) < 1e-12)
        let tTop = try P.value("nomad_frame(text_result, glasses_res_480).times.compute", in: "s")
        #expect(abs(try P.value("nomad_frame(text_result, glasses_res_480, point: ar1_balanced).times.compute", in: "s") - tTop / 0.6) < 1e-12)
        // MobileNetV2 at 640×480: 0.3 GMAC × (640·480 / 224²) × 2 FLOP at 2 TOPS.
        let crops: Double = (640.0 * 480) / (224 * 224)
        #expect(abs(tTop - 0.3e9 * 2 * crops / 2e12) < 1e-12)
        #expect(try P.value("nomad_frame(text_result, glasses_res_480).battery_life", in: "h") < 4)
        #expect(try P.value("nomad_frame(text_result, glasses_res_480, point: ar1_balanced).battery_life", in: "h") >= 4)
        #expect(try P.value("nomad_frame(text_result, glasses_res_480, point: ar1_balanced).frame_rate", in: "Hz") == 60)
        #expect(try P.value("nomad_frame(text_result, glasses_res_480, point: ar1_minimum).frame_rate", in: "Hz") < 60)
        // No DVFS point draws more than the AR1's ~1 W.
        #expect(try P.shown("max(map(ar1_dvfs_points, q => nomad_frame(text_result, glasses_res_1080, point: q).npu_power)) <= ar1.power") == "true")
    }

    // MARK: Tiny Pioneer — the hearable's SRAM

    @Test("the audio buffer: 2 × channels × rate × window × depth; 4 mics of 32 kHz float take half of 2 MB")
    func pioneerSRAM() throws {
        #expect(try P.value("audio_buffer(audio_16k_1s, pcm_16, 1)", in: "B") == 2 * 16000 * 2)
        #expect(try P.number("pioneer_sram(audio_32k_1s, pcm_f32, 4).buffer_share") == 2 * 4 * 32000 * 4 / 2e6)
        #expect(try P.shown("pioneer_sram(audio_32k_1s, pcm_f32, 4).fits") == "false")
        #expect(try P.shown("pioneer_sram(audio_32k_1s, pcm_24, 2, hearable_mram).fits") == "true")
        // Executing weights from MRAM frees SRAM yet still meets the 10 ms hop.
        #expect(try P.shown("pioneer_hop(audio_32k_1s, pcm_24, 2, hearable_mram).deadline_met") == "true")
        #expect(try P.shown("pioneer_hop().bottleneck") == "microphones")
    }

    // MARK: Data gravity with dollars

    @Test("1 PB over 10 Gbit/s vs a truck 1000 km: the truck is faster and cheaper")
    func gravity() throws {
        let net = 1e15 * 8 / (10e9 * 0.94)
        #expect(abs(try P.value("gravity_verdict(1 PB, 1000 km, 10 Gbit/s).network_time", in: "s") - net) < 1e-6)
        #expect(abs(try P.value("gravity_verdict(1 PB, 1000 km, 10 Gbit/s).network_cost", in: "USD") - 90000) < 1e-6)
        #expect(abs(try P.value("gravity_verdict(1 PB, 1000 km, 10 Gbit/s).ship_cost", in: "USD") - (50 * 350 + 50 * 0.7 * 0.5)) < 1e-6)
        #expect(try P.shown("gravity_verdict(1 PB, 1000 km, 10 Gbit/s).faster") == "ship")
        #expect(try P.shown("gravity_verdict(1 PB, 1000 km, 10 Gbit/s).cheaper") == "ship")
        #expect(try P.shown("gravity_verdict(1 TB, 1000 km, 10 Gbit/s).faster") == "network")
        // The distance below which shipping is faster: v × (t_net − handling).
        let d = (net / 3600 - 24) * 65
        #expect(abs(try P.value("gravity_verdict(1 PB, 1000 km, 10 Gbit/s).crossover_distance", in: "km") - d) < 1e-6)
    }

    @Test("label noise: a label right with probability q carries (2q − 1)² of a clean one")
    func labelSignal() throws {
        #expect(abs(try P.number("label_signal(label_low)") - 0.04) < 1e-12)
        #expect(abs(try P.number("label_signal(label_expert)") - 0.9604) < 1e-12)
        // 10 k expert samples curated from 1 M (proxy scoring at 0.1) beat 1 M noisy ones per joule.
        #expect(try P.number("signal_per_joule(1e6, label_expert, 0.01, 1 J) / signal_per_joule(1e6, label_low, 1, 1 J)") > 1)
    }

    // MARK: plausibility of the stage model

    static let sweeps: [String] = {
        var out: [String] = []
        for p in ["bf16_weights", "fp8_weights", "int4_weights"] {
            for b in [1, 8, 40, 64] { for d in ["hdd", "sata_ssd", "nvme", "nvme_gen5"] { for (f, w) in [("json", 1), ("csv", 32)] {
                out.append("titan_step(\(p), \(b), \(d), \(f), \(w))")
            } } }
        }
        for e in ["raw12", "raw10", "yuv422_camera", "h265_camera"] {
            for s in [1, 4, 8] { for m in ["cam_4k30", "cam_4k15", "cam_1440p30", "cam_1080p30"] { for l in ["emmc", "nvme"] {
                for pm in ["orin_maxn", "orin_30w", "orin_15w"] {
                    out.append("guardian_frames(\(e), \(s), \(m), \(l), power: \(pm))")
                }
            } } }
        }
        for pay in ["raw_frame", "jpeg_frame", "h264_frame", "text_result"] {
            for r in ["glasses_res_1080", "glasses_res_720", "glasses_res_480", "glasses_res_224"] {
                for q in ["ar1_max", "ar1_balanced", "ar1_minimum"] { out.append("nomad_frame(\(pay), \(r), point: \(q))") }
            }
        }
        for m in ["audio_48k_1s", "audio_32k_1s", "audio_16k_1s", "audio_16k_250"] {
            for dep in ["pcm_f32", "pcm_16", "pcm_8"] { for c in [1, 4] { for h in ["hearable_sram_weights", "hearable_mram"] {
                out.append("pioneer_hop(\(m), \(dep), \(c), \(h))")
            } } }
        }
        return out
    }()

    @Test("MFU ≤ 100%, busy ≤ 100%, and the waterfall's bottleneck is the stage that limits the delivered rate, on every track")
    func plausibility() throws {
        // One session, one program: each line checks one pipeline and yields true.
        let checks = Self.sweeps.map { call in
            """
            {
              let p = \(call)
              let slowest = min(map(fields(p.rates), k => p.rates[k]))
              p.mfu <= 1 and p.mfu > 0 and p.busy <= 1 and p.idle >= 0 and p.rates[p.bottleneck] == slowest and abs(p.rate / slowest - 1) < 1e-12 and p.rate <= p.consumption * (1 + 1e-12)
            }
            """
        }
        let values = try P.results(checks.joined(separator: "\n"))
        #expect(values.count == checks.count)
        for (call, v) in zip(Self.sweeps, values) {
            guard case .bool(let ok) = v else { Issue.record("\(call) gave \(v)"); continue }
            #expect(ok, "\(call)")
        }
    }
}
