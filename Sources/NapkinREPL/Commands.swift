/// The REPL's `:commands`: names, what they take, and their help.
import NapkinCore
public enum Commands {
    public enum Argument: Equatable { case none, file, topic, category, name, expression, number }

    public struct Command {
        public let name: String
        public let aliases: [String]
        public let argument: Argument
        public let usage: String
        public let help: String
        /// The usage without a long list of choices, for the :help table.
        public var shortUsage: String { name == "list" ? ":list [WHAT]" : usage }
    }

    public static let all: [Command] = [
        Command(name: "help", aliases: ["h", "?"], argument: .topic, usage: ":help [TOPIC]",
                help: "Show help on commands, keys or a topic. :help keys, :help units, :help NAME."),
        Command(name: "info", aliases: ["i"], argument: .name, usage: ":info NAME",
                help: "Show what NAME is. Its definition, dimension, value and source; units and dimensions too."),
        Command(name: "type", aliases: ["t"], argument: .expression, usage: ":type EXPR",
                help: "Show the dimension (or kind) of EXPR. Its value is not printed."),
        Command(name: "list", aliases: ["ls"], argument: .category, usage: ":list [units|functions|knobs|records|dimensions]",
                help: "List what is defined. Without a category: a summary and your own definitions."),
        Command(name: "units", aliases: [], argument: .expression, usage: ":units EXPR",
                help: "List every unit conformable with EXPR. EXPR's value is shown in each (GNU units style)."),
        Command(name: "knobs", aliases: [], argument: .none, usage: ":knobs",
                help: "List every knob with its value, range and description."),
        Command(name: "digits", aliases: [], argument: .number, usage: ":digits [N]",
                help: "Show results with N significant digits (1-17). Without N, show the setting."),
        Command(name: "load", aliases: ["l"], argument: .file, usage: ":load FILE",
                help: "Run a .lab file in this session. All or nothing: a failing file defines nothing."),
        Command(name: "save", aliases: [], argument: .file, usage: ":save FILE",
                help: "Save your successful definitions to FILE. let, fn, knob, unit, … as a .lab script."),
        Command(name: "svg", aliases: [], argument: .file, usage: ":svg FILE",
                help: "Write the last figure (plot, bars, gauge, …) to FILE as SVG, for slides."),
        Command(name: "export", aliases: [], argument: .file, usage: ":export FILE",
                help: "Write the last result to FILE as data. FILE.csv, .json or .md; numbers in full, units in the headers."),
        Command(name: "search", aliases: [], argument: .name, usage: ":search WORD",
                help: "Find names, descriptions and sources that mention WORD. :search water, :search ECB."),
        Command(name: "color", aliases: ["colour"], argument: .topic, usage: ":color [on|off]",
                help: "Turn colour on or off for this session. Put :color off in the init file to keep it off."),
        Command(name: "present", aliases: [], argument: .none, usage: ":present [on|off]",
                help: "Present mode for a lecture room. Figures fill the terminal, the last result also shows in big digits, workbench moves redraw in place."),
        Command(name: "serve", aliases: [], argument: .number, usage: ":serve [PORT|off]",
                help: "Mirror this session in a browser page. Results, figures and knobs as sliders, live; prints the address with its token."),
        Command(name: "reset", aliases: [], argument: .none, usage: ":reset",
                help: "Forget this session's definitions. Only the library stays; history is kept."),
        Command(name: "quit", aliases: ["q", "exit"], argument: .none, usage: ":quit",
                help: "Leave napkin. Ctrl-D does the same."),
    ]

    /// A command by name, alias or unambiguous prefix.
    public static func find(_ name: String) -> Command? {
        if let c = all.first(where: { $0.name == name || $0.aliases.contains(name) }) { return c }
        let matches = all.filter { $0.name.hasPrefix(name) }
        return matches.count == 1 && !name.isEmpty ? matches[0] : nil
    }

    public static let listCategories = Catalog.listCategories

    public static var helpTopics: [String] {
        ["keys", "commands", "language", "units", "knobs", "sweep"] + all.map(\.name)
    }

    static let keys = """
    Keys (emacs-style, from libedit):
      Enter              run the line (an unfinished line continues on a '...' prompt)
      Tab                complete a name, unit, record field (h100.<Tab>), knob after 'sweep',
                         :command, or a file after :load / :save
      Up / Down          previous / next line from history (kept across sessions)
      Ctrl-R             search history backwards
      Ctrl-A / Ctrl-E    start / end of line
      Alt-B / Alt-F      word left / right (also Ctrl-Left / Ctrl-Right)
      Ctrl-K / Ctrl-U    delete to end of line / whole line;  Ctrl-W delete word back
      Ctrl-Y             paste what was deleted last
      Ctrl-L             clear the screen
      Ctrl-C             clear the line (while a calculation runs: cancel it)
      Ctrl-D             leave napkin (on an empty line)
    """

    static let language = """
    The language in one screen:
      1 TB / 10 Gbit/s              a quantity literal binds tight: 1 TB / (10 Gbit/s)
      700 W * 30 days -> MWh        convert with -> (or →, to)
      let hw = { name: "npu", peak: 50 TOPS, power: 5 W }      a record; hw.peak reads a field
      fn per_watt(x) = x.peak / x.power                        a function
      knob eta = 1 in 1...10 "efficiency"                      a knob (a slider); eta = 4 moves it
      sweep eta 1...10 < per_watt(hw) * eta >                  a table over the knob's range
      if x > 3 then "big" else "small"
      ans (or _) is the last result.
    See docs/language.md for the whole language.
    """

    static let unitsHelp = """
    Units: every quantity carries a dimension, shown in brackets (13.33 min [Time]).
      :list units          every unit, grouped by dimension (SI prefixes k, M, G, … and Ki, Mi, … apply)
      :units 1 kWh         that quantity in every conformable unit
      :info kWh            a unit's factor, dimension and source
      :type 3 W * 2 h      the dimension of an expression
      x -> h               convert a result; adding or comparing mismatched dimensions is an error
    """

    static let knobsHelp = """
    Knobs are named parameters with a range and a description, the sliders of a workbench:
      knob jevons = 0 in 0...3 "demand elasticity"
      jevons = 1.4          move it (it must stay in range)
      :knobs                every knob's value and range
      fn f(x, j = jevons) = …   functions read knobs through their defaults
    A choice knob picks one of named options (two make a toggle); it moves by name:
      knob fmt = json in [csv, json, parquet]          each option: the record of that name
      knob hw = base in [base: h100, green: green_npu] each option bound to a value
      fmt = parquet         (Tab after 'fmt = ' lists the options)
    """

    static let sweepHelp = """
    A sweep evaluates expressions over a knob's (or a new name's) range and gives a table:
      sweep eta 1...10 < fleet(eta) >
      sweep hour 0...23 step 1 < intensity(norway, hour), intensity(poland, hour) >
      let s = sweep eta 1...4 < f(eta) >        keep the table; plot s draws it
    Ctrl-C cancels a sweep that takes too long.
    """
}
