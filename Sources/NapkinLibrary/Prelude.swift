import NapkinCore

/// The prelude written in napkin (Prelude/*.lab), embedded into the binary at build time.
public enum Prelude {
    public static var files: [(name: String, source: String)] { EmbeddedPrelude.files }

    /// A session with every prelude file loaded, in file-name order. Its figures are data (the
    /// core's instrument builtins make them); a host that shows them draws them, by installing
    /// a renderer (NapkinInstruments' `Instruments.install`). The library needs no drawing code.
    public static func makeSession() throws(NapkinError) -> Session {
        let session = Session()
        session.checksDefinitions = false
        for f in files {
            try session.run(f.source, name: "prelude/\(f.name)")
        }
        session.checksDefinitions = true
        return session
    }
}
