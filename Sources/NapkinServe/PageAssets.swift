/// The mirror page, embedded in the binary: it needs no internet and no files. Only these
/// paths are served; anything else is a 404, whatever dots or slashes it holds.
enum PageAssets {
    struct Asset {
        let type: String
        let body: String
    }

    static func asset(at path: String) -> Asset? {
        switch path {
        case "/", "/index.html": return Asset(type: "text/html; charset=utf-8", body: html)
        case "/app.js": return Asset(type: "text/javascript; charset=utf-8", body: script)
        case "/style.css": return Asset(type: "text/css; charset=utf-8", body: style)
        default: return nil
        }
    }

    static let html = """
    <!doctype html>
    <html lang="en">
    <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <title>napkin</title>
    <link rel="stylesheet" href="/style.css">
    </head>
    <body data-state="connecting">
    <header><span id="title">napkin</span><span id="mode"></span><span id="status">connecting…</span></header>
    <main>
      <section id="stage">
        <pre id="input"></pre>
        <pre id="output"></pre>
        <div id="readout"><span id="number"></span> <span id="unit"></span> <span id="dimension"></span></div>
        <div id="figures"></div>
      </section>
      <aside>
        <h2 id="knobs-title">Knobs</h2><div id="knobs"></div>
        <h2 id="goals-title">Goals</h2><div id="goals"></div>
        <h2>Earlier</h2><div id="history"></div>
      </aside>
    </main>
    <script src="/app.js"></script>
    </body>
    </html>
    """

    /// Sizes are in viewport units so a 1920×1080 projector shows the latest entry and its figure
    /// without scrolling; earlier entries scroll inside their own panel.
    static let style = """
    :root { --ink: #111; --dim: #666; --bg: #fff; --accent: #1f5fbf; --bad: #b00020; --good: #1b7f3b; }
    * { box-sizing: border-box; }
    html, body { margin: 0; height: 100%; overflow: hidden; background: var(--bg); color: var(--ink);
      font-family: "DejaVu Sans", "Liberation Sans", Arial, sans-serif; }
    pre, .mono { font-family: "DejaVu Sans Mono", "Liberation Mono", monospace; }
    header { height: 5vh; display: flex; align-items: center; gap: 2vw; padding: 0 1.5vw; font-size: 2.2vh;
      border-bottom: 1px solid #ddd; }
    #title { font-weight: bold; }
    #status { margin-left: auto; color: var(--dim); }
    #mode { color: var(--dim); }
    main { height: 95vh; display: grid; grid-template-columns: 1fr 30vw; }
    #stage { padding: 2vh 2vw; overflow: hidden; display: flex; flex-direction: column; min-height: 0; }
    #input { font-size: 4vh; margin: 0 0 1vh; white-space: pre-wrap; color: var(--accent); }
    #input:not(:empty)::before { content: "› "; color: var(--dim); }
    #output { font-size: 3.2vh; margin: 0; white-space: pre-wrap; max-height: 30vh; overflow: hidden; }
    #output.error { color: var(--bad); }
    #readout { font-size: 12vh; font-weight: bold; line-height: 1.1; margin: 1vh 0; }
    #readout #unit { font-size: 7vh; }
    #readout #dimension { font-size: 3.5vh; color: var(--dim); font-weight: normal; }
    #figures { flex: 1; min-height: 0; display: flex; gap: 1vw; }
    #figures img { flex: 1; min-width: 0; max-height: 100%; object-fit: contain; }
    #figures.stale { opacity: 0.45; }
    aside { border-left: 1px solid #ddd; padding: 1.5vh 1.2vw; display: flex; flex-direction: column; min-height: 0; }
    aside h2 { font-size: 2.2vh; margin: 1vh 0; color: var(--dim); text-transform: uppercase; letter-spacing: 0.05em; }
    .knob { margin-bottom: 1.6vh; font-size: 2.4vh; }
    .knob label { display: flex; justify-content: space-between; gap: 1vw; }
    .knob .value { font-weight: bold; }
    .knob .doc { font-size: 1.7vh; color: var(--dim); }
    .knob input[type=range] { width: 100%; height: 3vh; }
    .knob select { font-size: 2.2vh; }
    .goal { font-size: 2.2vh; margin-bottom: 1vh; }
    .goal.met { color: var(--good); } .goal.missed, .goal.unmet { color: var(--bad); }
    #history { flex: 1; min-height: 0; overflow-y: auto; font-size: 1.8vh; }
    .past { border-top: 1px solid #eee; padding: 0.6vh 0; }
    .past pre { margin: 0; white-space: pre-wrap; }
    .past .in { color: var(--accent); }
    .past .out.error { color: var(--bad); }
    .past .note { color: var(--dim); }
    body.empty #stage::before { content: "Waiting for the session…"; font-size: 4vh; color: var(--dim); }
    """

    /// The page's behaviour: a WebSocket for the session's events (it reconnects by itself), and
    /// a POST per knob move carrying the token from the address's fragment. Text is set with
    /// textContent and figures are shown as images, so nothing from the session runs as code.
    static let script = """
    "use strict";
    const token = new URLSearchParams(location.hash.slice(1)).get("token") || "";
    const $ = (id) => document.getElementById(id);
    let entries = [], knobs = [], goals = [];
    let lastFigures = [], lastFiguresFrom = null;

    function figureImages(svgs) {
      return svgs.map((svg) => {
        const img = document.createElement("img");
        img.alt = "figure";
        img.src = URL.createObjectURL(new Blob([svg], { type: "image/svg+xml" }));
        return img;
      });
    }

    function showStage() {
      const e = entries[entries.length - 1];
      document.body.classList.toggle("empty", !e);
      document.body.dataset.entries = String(entries.length);
      if (!e) return;
      // A note (a lab's text, a redrawn figure) is shown as output; a page move says where it came from.
      $("input").textContent = e.kind === "note" ? "" : e.input + (e.kind === "move" ? "   ← moved on the page" : "");
      $("output").textContent = e.kind === "note" ? [e.input, e.output].filter((t) => t).join("\\n") : e.output;
      $("output").classList.toggle("error", e.error);
      const r = e.readout;
      $("number").textContent = r ? r.number : "";
      $("unit").textContent = r ? r.unit : "";
      $("dimension").textContent = r && r.dimension ? "[" + r.dimension + "]" : "";
      if (e.figures.length) { lastFigures = e.figures; lastFiguresFrom = e.id; }
      const box = $("figures");
      box.replaceChildren(...figureImages(lastFigures));
      box.classList.toggle("stale", lastFiguresFrom !== null && lastFiguresFrom !== e.id);
    }

    function showHistory() {
      const list = $("history");
      list.replaceChildren();
      for (const e of entries.slice(0, -1).reverse()) {
        const div = document.createElement("div");
        div.className = "past";
        if (e.input) {
          const i = document.createElement("pre");
          i.className = e.kind === "note" ? "note" : "in";
          i.textContent = (e.kind === "note" ? "" : "› ") + e.input + (e.kind === "move" ? "   ← page" : "");
          div.appendChild(i);
        }
        if (e.output) {
          const o = document.createElement("pre");
          o.className = "out" + (e.error ? " error" : "");
          o.textContent = e.output;
          div.appendChild(o);
        }
        list.appendChild(div);
      }
    }

    async function move(name, body) {
      body.name = name;
      const r = await fetch("/move", { method: "POST", headers: { "Content-Type": "application/json", "X-Napkin-Token": token },
                                       body: JSON.stringify(body) });
      if (!r.ok) $("status").textContent = (await r.text()).trim();
    }

    function knobControl(k) {
      const div = document.createElement("div");
      div.className = "knob";
      div.dataset.name = k.name;
      const label = document.createElement("label");
      const name = document.createElement("span");
      name.className = "mono";
      name.textContent = k.name;
      const value = document.createElement("span");
      value.className = "value mono";
      value.textContent = k.display;
      label.append(name, value);
      div.appendChild(label);
      let input;
      if (k.kind === "toggle") {
        // A choice of two options: checked is the second.
        input = document.createElement("input");
        input.type = "checkbox";
        input.checked = k.selected === k.choices[1];
        input.addEventListener("change", () => move(k.name, { choice: k.choices[input.checked ? 1 : 0] }));
      } else if (k.kind === "choice") {
        input = document.createElement("select");
        for (const c of k.choices) {
          const o = document.createElement("option");
          o.value = c; o.textContent = c; o.selected = c === k.selected;
          input.appendChild(o);
        }
        input.addEventListener("change", () => move(k.name, { choice: input.value }));
      } else {
        input = document.createElement("input");
        input.type = "range";
        input.min = k.low; input.max = k.high; input.step = k.step; input.value = k.value;
        input.addEventListener("input", () => { value.textContent = input.value + (k.unit ? " " + k.unit : "") + " …"; });
        input.addEventListener("change", () => move(k.name, { value: Number(input.value) }));
      }
      input.id = "knob-" + k.name;
      input.disabled = !token;
      input.title = token ? "" : "view only: open the address napkin printed, with its token, to move knobs";
      div.appendChild(input);
      if (k.doc) {
        const d = document.createElement("div");
        d.className = "doc";
        d.textContent = k.doc;
        div.appendChild(d);
      }
      return div;
    }

    function showKnobs() {
      const box = $("knobs");
      // Same knobs as before: update in place, so a slider being used keeps its focus.
      const same = box.children.length === knobs.length && knobs.every((k, i) => box.children[i].dataset.name === k.name &&
                   box.children[i].dataset.kind === k.kind);
      if (!same) {
        box.replaceChildren(...knobs.map((k) => { const c = knobControl(k); c.dataset.kind = k.kind; return c; }));
      } else {
        knobs.forEach((k, i) => {
          const div = box.children[i];
          div.querySelector(".value").textContent = k.display;
          const input = div.querySelector("input, select");
          if (k.kind === "range" && document.activeElement !== input) input.value = k.value;
          if (k.kind === "toggle") input.checked = k.selected === k.choices[1];
          if (k.kind === "choice") input.value = k.selected;
        });
      }
      $("knobs-title").hidden = knobs.length === 0;
      document.body.dataset.knobs = knobs.map((k) => k.name + "=" + k.display).join(";");
    }

    function showGoals() {
      const box = $("goals");
      box.replaceChildren(...goals.map((g) => {
        const div = document.createElement("div");
        div.className = "goal " + (g.status || "open");
        const mark = g.status === "met" ? "✓" : g.status ? "✗" : "◎";
        div.textContent = mark + " " + g.text + " — " + g.tries + " of " + g.budget + " tries" + (g.status ? " (" + g.status + ")" : "");
        return div;
      }));
      $("goals-title").hidden = goals.length === 0;
    }

    function handle(m) {
      if (m.type === "snapshot") {
        document.title = m.title;
        $("title").textContent = m.title;
        entries = m.entries; knobs = m.knobs; goals = m.goals;
        showStage(); showHistory(); showKnobs(); showGoals();
      } else if (m.type === "entry") {
        // Ids only grow: an entry the snapshot already had (published while this page was
        // connecting) is not shown twice.
        if (entries.length && entries[entries.length - 1].id >= m.value.id) return;
        entries.push(m.value);
        if (entries.length > 100) entries.shift();
        showStage(); showHistory();
      } else if (m.type === "knobs") {
        knobs = m.value; showKnobs();
      } else if (m.type === "goals") {
        goals = m.value; showGoals();
      }
    }

    function connect() {
      const ws = new WebSocket((location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/events");
      ws.onopen = () => { $("status").textContent = "● live"; document.body.dataset.state = "live"; };
      ws.onmessage = (e) => handle(JSON.parse(e.data));
      ws.onclose = () => {
        $("status").textContent = "○ disconnected — retrying";
        document.body.dataset.state = "closed";
        setTimeout(connect, 1000);
      };
    }

    $("mode").textContent = token ? "" : "view only";
    document.body.classList.add("empty");
    connect();
    """
}
