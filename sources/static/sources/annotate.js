/* The Annotate view. Offsets sent to the server are UTF-16 code units (JavaScript string
   indices) into the source text; the server converts them to code points and checks the quote. */
"use strict";

(function () {
  const data = JSON.parse(document.getElementById("annotate-data").textContent);
  const box = document.getElementById("annotate-text");
  const text = box.textContent;
  const form = document.getElementById("annotate-form");
  const statusLine = document.getElementById("annotate-status");
  const list = document.getElementById("annotate-passages");
  const undoButton = document.getElementById("annotate-undo");
  const field = (id) => document.getElementById(id);
  const csrf = document.querySelector("[name=csrfmiddlewaretoken]").value;
  const undoStack = [];
  let pending = null; // {start, end, exact, suggestion}
  let currentPassage = -1;
  let currentSuggestion = -1;

  function say(message, isError) {
    statusLine.textContent = message;
    statusLine.classList.toggle("error", Boolean(isError));
  }

  // Rendering: cut the text at every passage and suggestion edge; each piece knows what covers it,
  // so overlapping passages stay visible.
  function render() {
    const edges = new Set([0, text.length]);
    data.passages.forEach((p) => { edges.add(p.start); edges.add(p.end); });
    data.suggestions.forEach((s) => { edges.add(s.start); edges.add(s.end); });
    const points = [...edges].sort((a, b) => a - b);
    const fragment = document.createDocumentFragment();
    for (let i = 0; i < points.length - 1; i++) {
      const a = points[i], b = points[i + 1];
      const piece = text.slice(a, b);
      const covering = data.passages.filter((p) => p.start <= a && p.end >= b);
      const suggestion = data.suggestions.findIndex((s) => s.start <= a && s.end >= b);
      if (!covering.length && suggestion < 0) {
        fragment.appendChild(document.createTextNode(piece));
        continue;
      }
      const element = document.createElement(covering.length ? "mark" : "span");
      element.textContent = piece;
      if (covering.length) {
        const top = covering[covering.length - 1];
        element.classList.add("hl-" + top.kind);
        if (covering.length > 1) element.classList.add("hl-overlap");
        element.dataset.passages = covering.map((p) => p.id).join(" ");
        element.title = covering.map((p) => p.kind + ": " + (p.claims[0] ? p.claims[0].statement : p.exact)).join("\n");
      }
      if (suggestion >= 0) {
        element.classList.add("suggestion");
        element.dataset.suggestion = String(suggestion);
        if (suggestion === currentSuggestion) element.classList.add("current");
      }
      fragment.appendChild(element);
    }
    box.replaceChildren(fragment);
    renderList();
    markCurrent();
  }

  function renderList() {
    list.replaceChildren();
    data.passages.forEach((p, index) => {
      const item = document.createElement("li");
      item.dataset.passage = String(p.id);
      const kind = document.createElement("span");
      kind.className = "kind";
      kind.textContent = p.kind + (p.anchor_status !== "anchored" ? " · " + p.anchor_status.replace("_", " ") : "");
      kind.classList.add("status-" + p.anchor_status);
      item.appendChild(kind);
      item.appendChild(document.createElement("br"));
      item.appendChild(document.createTextNode("“" + (p.exact.length > 120 ? p.exact.slice(0, 117) + "…" : p.exact) + "”"));
      p.claims.forEach((c) => {
        const line = document.createElement("div");
        line.textContent = "→ " + c.statement + (c.claimant ? " — " + c.claimant : "") +
          (c.likelihood_phrase ? " [" + c.likelihood_phrase + "]" : "") + (c.horizon ? " (" + c.horizon + ")" : "");
        item.appendChild(line);
      });
      item.addEventListener("click", () => { currentPassage = index; markCurrent(true); });
      list.appendChild(item);
    });
    document.getElementById("annotate-count").textContent = "(" + data.passages.length + ")";
    undoButton.disabled = undoStack.length === 0;
  }

  function markCurrent(scroll) {
    box.querySelectorAll(".hl-current").forEach((e) => e.classList.remove("hl-current"));
    list.querySelectorAll(".current").forEach((e) => e.classList.remove("current"));
    const passage = data.passages[currentPassage];
    if (passage) {
      const marks = [...box.querySelectorAll("mark")].filter((m) => m.dataset.passages.split(" ").includes(String(passage.id)));
      marks.forEach((m) => m.classList.add("hl-current"));
      const item = list.querySelector('[data-passage="' + passage.id + '"]');
      if (item) item.classList.add("current");
      if (scroll && marks[0]) marks[0].scrollIntoView({ block: "center" });
    }
  }

  // UTF-16 offset of a DOM position inside the text box.
  function offsetOf(node, offset) {
    const range = document.createRange();
    range.setStart(box, 0);
    range.setEnd(node, offset);
    return range.toString().length;
  }

  function selectedSpan() {
    const selection = window.getSelection();
    if (!selection.rangeCount || selection.isCollapsed) return null;
    const range = selection.getRangeAt(0);
    if (!box.contains(range.startContainer) || !box.contains(range.endContainer)) return null;
    let start = offsetOf(range.startContainer, range.startOffset);
    let end = offsetOf(range.endContainer, range.endOffset);
    while (start < end && /\s/.test(text[start])) start++;
    while (end > start && /\s/.test(text[end - 1])) end--;
    if (end <= start) return null;
    return { start, end, exact: text.slice(start, end) };
  }

  function openForm(span, kind, prefill) {
    pending = span;
    field("af-kind").value = kind;
    field("af-statement").value = (prefill && prefill.statement) || span.exact;
    field("af-phrase").value = (prefill && prefill.likelihood_phrase) || "";
    field("af-horizon").value = (prefill && prefill.horizon) || "";
    field("af-resolve-by").value = "";
    field("annotate-quote").textContent = span.exact;
    field("annotate-error").hidden = true;
    syncKind();
    form.hidden = false;
    field("af-statement").focus();
    field("af-statement").select();
  }

  // A free selection gets the likelihood phrase and horizon the server finds in it, unless
  // the annotator has typed something there already.
  async function prefillFromText(span) {
    const url = data.urls.analyse + "?start=" + span.start + "&end=" + span.end;
    let found;
    try {
      const response = await fetch(url, { credentials: "same-origin" });
      if (!response.ok) return;
      found = await response.json();
    } catch (error) { return; }
    if (pending !== span) return;
    if (!field("af-phrase").value) field("af-phrase").value = found.likelihood_phrase;
    if (!field("af-horizon").value) field("af-horizon").value = found.horizon;
  }

  function syncKind() {
    const kind = field("af-kind").value;
    field("annotate-form-kind").textContent = kind;
    form.querySelector(".annotate-forecast").disabled = kind !== "forecast";
  }

  function closeForm() {
    pending = null;
    form.hidden = true;
    box.focus();
  }

  async function post(url, body) {
    const response = await fetch(url, {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
      body: JSON.stringify(body),
      credentials: "same-origin",
    });
    let payload = {};
    try { payload = await response.json(); } catch (error) { payload = { detail: "The server answered " + response.status + "." }; }
    return { ok: response.ok, payload };
  }

  async function save() {
    if (!pending) return;
    const ids = (id) => [...field(id).selectedOptions].map((o) => Number(o.value));
    const kind = field("af-kind").value;
    const body = {
      start: pending.start, end: pending.end, exact: pending.exact, kind,
      statement: field("af-statement").value,
      claimant: field("af-claimant").value ? Number(field("af-claimant").value) : null,
      subjects: ids("af-subjects"), topics: ids("af-topics"),
    };
    if (kind === "forecast") {
      body.likelihood_phrase = field("af-phrase").value;
      body.horizon = field("af-horizon").value;
      body.resolve_by = field("af-resolve-by").value || null;
    }
    const { ok, payload } = await post(data.urls.create, body);
    if (!ok) {
      field("annotate-error").textContent = payload.detail;
      field("annotate-error").hidden = false;
      return;
    }
    const passage = payload.passage;
    const existing = data.passages.findIndex((p) => p.id === passage.id);
    if (existing >= 0) data.passages.splice(existing, 1);
    data.passages.push(passage);
    data.passages.sort((a, b) => a.start - b.start || a.end - b.end || a.id - b.id);
    if (pending.suggestion !== undefined) {
      data.suggestions.splice(pending.suggestion, 1);
      currentSuggestion = Math.min(currentSuggestion, data.suggestions.length - 1);
    }
    undoStack.push(payload.claim);
    currentPassage = data.passages.findIndex((p) => p.id === passage.id);
    closeForm();
    render();
    say("Saved " + body.kind + " #" + payload.claim + " on passage #" + passage.id + ".");
  }

  async function undo() {
    const claim = undoStack.pop();
    if (claim === undefined) { say("Nothing to undo."); return; }
    const { ok, payload } = await post(data.urls.undo, { claim });
    if (!ok) { say(payload.detail, true); return; }
    const index = data.passages.findIndex((p) => p.id === payload.passage);
    if (index >= 0) {
      if (payload.passage_kept) data.passages[index].claims = data.passages[index].claims.filter((c) => c.id !== claim);
      else data.passages.splice(index, 1);
    }
    currentPassage = -1;
    render();
    say("Undone: claim #" + claim + ".");
  }

  function moveSuggestion(step) {
    if (!data.suggestions.length) { say("No suggestions left."); return; }
    currentSuggestion = (currentSuggestion + step + data.suggestions.length) % data.suggestions.length;
    render();
    const element = box.querySelector('[data-suggestion="' + currentSuggestion + '"]');
    if (element) element.scrollIntoView({ block: "center" });
    const s = data.suggestions[currentSuggestion];
    say("Suggestion " + (currentSuggestion + 1) + " of " + data.suggestions.length + (s.likelihood_phrase ? ": “" + s.likelihood_phrase + "”" : "") + ". a accepts, d dismisses.");
  }

  function acceptSuggestion() {
    const s = data.suggestions[currentSuggestion];
    if (!s) { say("Choose a suggestion first (n)."); return; }
    openForm({ start: s.start, end: s.end, exact: s.exact, suggestion: currentSuggestion }, "forecast",
      { statement: s.exact, likelihood_phrase: s.likelihood_phrase, horizon: s.horizon });
  }

  async function dismissSuggestion() {
    const s = data.suggestions[currentSuggestion];
    if (!s) { say("Choose a suggestion first (n)."); return; }
    const { ok, payload } = await post(data.urls.dismiss, { start: s.start, end: s.end });
    if (!ok) { say(payload.detail, true); return; }
    data.suggestions.splice(currentSuggestion, 1);
    currentSuggestion = Math.min(currentSuggestion, data.suggestions.length - 1);
    render();
    say("Dismissed; it will not be suggested again.");
  }

  function movePassage(step) {
    if (!data.passages.length) { say("No passages yet."); return; }
    currentPassage = (currentPassage + step + data.passages.length) % data.passages.length;
    markCurrent(true);
    const p = data.passages[currentPassage];
    say("Passage " + (currentPassage + 1) + " of " + data.passages.length + ": " + p.kind + ".");
  }

  // The text box is contenteditable only so the caret and Shift+arrows work; nothing may change it.
  ["beforeinput", "paste", "drop", "cut"].forEach((type) => box.addEventListener(type, (e) => e.preventDefault()));
  // A click on a suggestion makes it the current one, so a or d applies to it.
  box.addEventListener("click", (event) => {
    const target = event.target.closest("[data-suggestion]");
    if (target && window.getSelection().isCollapsed) {
      currentSuggestion = Number(target.dataset.suggestion);
      box.querySelectorAll(".suggestion.current").forEach((e) => e.classList.remove("current"));
      box.querySelectorAll('[data-suggestion="' + currentSuggestion + '"]').forEach((e) => e.classList.add("current"));
    }
  });

  document.addEventListener("keydown", (event) => {
    if (!form.hidden && form.contains(event.target)) {
      if (event.key === "Escape") { event.preventDefault(); closeForm(); say("Cancelled."); }
      else if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) { event.preventDefault(); save(); }
      return;
    }
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    const target = event.target;
    if (target !== box && target !== document.body && !box.contains(target)) return;
    const actions = {
      f: () => { const span = selectedSpan(); if (span) { openForm(span, "forecast"); prefillFromText(span); } else say("Select the passage first."); },
      c: () => { const span = selectedSpan(); if (span) openForm(span, "assertion"); else say("Select the passage first."); },
      u: undo,
      j: () => movePassage(1),
      k: () => movePassage(-1),
      n: () => moveSuggestion(1),
      p: () => moveSuggestion(-1),
      a: acceptSuggestion,
      d: dismissSuggestion,
      Escape: () => { window.getSelection().removeAllRanges(); closeForm(); },
    };
    const action = actions[event.key];
    if (action) { event.preventDefault(); action(); }
    else if (event.key.length === 1 || event.key === "Enter" || event.key === "Backspace" || event.key === "Delete") {
      event.preventDefault(); // the text is read-only
    }
  });

  field("af-kind").addEventListener("change", syncKind);
  form.addEventListener("submit", (event) => { event.preventDefault(); save(); });
  field("annotate-cancel").addEventListener("click", () => { closeForm(); say("Cancelled."); });
  undoButton.addEventListener("click", undo);
  render();
  box.focus();
  say(data.suggestions.length + " suggested forecast sentences; n to step through them.");
})();
