import NapkinCore

/// The prelude written in napkin (Prelude/*.lab), embedded into the binary at build time.
public enum Prelude {
    public static var files: [(name: String, source: String)] { EmbeddedPrelude.files }

    /// A session with every prelude file loaded, in file-name order.
    public static func makeSession() throws(NapkinError) -> Session {
        let session = Session()
        for f in files {
            try session.run(f.source, name: "prelude/\(f.name)")
        }
        return session
    }
}
