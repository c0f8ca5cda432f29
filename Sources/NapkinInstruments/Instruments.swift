import Foundation
import NapkinCore

/// Draws figures: as text for a terminal and as SVG. The instrument builtins that make them
/// (plot, bars, …) are the core's (NapkinCore/Figures); a host that shows figures installs a
/// renderer here once per session.
public enum Instruments {
    /// Makes the session's figures print as drawings in `style`.
    public static func install(into interpreter: Interpreter, style: RenderStyle) {
        // Unowned, not weak: a weak reference would move the interpreter's reference count to a
        // side table and slow down every retain of it on the evaluation's hot path.
        interpreter.figureRenderer = { [unowned interpreter] (figure: Figure) throws(NapkinError) -> String in
            var s = style
            s.digits = interpreter.digits
            return try renderText(figure, style: s)
        }
    }

    public static func renderText(_ figure: Figure, style: RenderStyle) throws(NapkinError) -> String {
        TextRenderer(style: style).render(figure.payload)
    }

    /// The figure as a standalone SVG document.
    public static func renderSVG(_ figure: Figure, digits: Int = 4) throws(NapkinError) -> String {
        var r = SVGRenderer()
        r.digits = digits
        return r.render(figure.payload, fallbackTitle: figure.kind)
    }
}
