import NapkinCore
import NapkinInstruments

/// The prelude written in napkin (Prelude/*.lab), embedded into the binary at build time.
public enum Prelude {
    public static var files: [(name: String, source: String)] { EmbeddedPrelude.files }

    /// A session with the instruments installed and every prelude file loaded, in file-name
    /// order. Hosts that draw on a terminal re-install the instruments with their own style.
    public static func makeSession(style: RenderStyle = RenderStyle()) throws(NapkinError) -> Session {
        let session = Session()
        session.interpreter.asciiOnly = !style.unicode
        Instruments.install(into: session.interpreter, style: style)
        session.checksDefinitions = false
        for f in files {
            try session.run(f.source, name: "prelude/\(f.name)")
        }
        session.checksDefinitions = true
        return session
    }
}
