// Block Kit in the browser: renders blocks and elements, and reads an input's value in Slack's state shape.
"use strict";
const BlockKit = (() => {
  const esc = (s) => String(s ?? "").replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]);

  const unescape = (s) => String(s).replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");

  // <!date^TS^FORMAT|fallback>: the reader's own timezone (`clock.tz`), and "today" by the bot's clock (`clock.now`).
  function slackDate(inner, fallback, clock) {
    const [, ts, format] = inner.split("^");
    const at = new Date(Number(ts) * 1000);
    if (!format || Number.isNaN(at.getTime())) return esc(fallback || inner);
    const tz = clock.tz || "UTC";
    const part = (o) => new Intl.DateTimeFormat("en-US", { timeZone: tz, ...o }).format(at);
    const ymd = (d) => new Intl.DateTimeFormat("en-CA", { timeZone: tz, year: "numeric", month: "2-digit", day: "2-digit" }).format(d);
    const day = Number(part({ day: "numeric" }));
    const nth = day + (day % 100 >= 11 && day % 100 <= 13 ? "th" : { 1: "st", 2: "nd", 3: "rd" }[day % 10] || "th");
    const year = part({ year: "numeric" });
    const offset = Math.round((Date.parse(ymd(at)) - Date.parse(ymd(clock.now ? new Date(clock.now) : new Date()))) / 86400000);
    const near = { "-1": "yesterday", 0: "today", 1: "tomorrow" }[offset];
    const tokens = {
      date_num: ymd(at),
      date: `${part({ month: "long" })} ${nth}, ${year}`,
      date_short: `${part({ month: "short" })} ${day}, ${year}`,
      date_long: `${part({ weekday: "long" })}, ${part({ month: "long" })} ${nth}, ${year}`,
      time: part({ hour: "numeric", minute: "2-digit" }),
      time_secs: part({ hour: "numeric", minute: "2-digit", second: "2-digit" }),
    };
    ["date", "date_short", "date_long"].forEach((k) => { tokens[k + "_pretty"] = near || tokens[k]; });
    const shown = format.replace(/\{(\w+)\}/g, (whole, k) => tokens[k] ?? whole);
    return `<time datetime="${at.toISOString()}">${esc(shown)}</time>`;
  }

  // mrkdwn: Slack's escapes arrive as &lt; &gt; &amp;, and <...> are links, mentions and dates.
  function mrkdwn(text, names, clock) {
    names = names || {};
    clock = clock || {};
    const tokens = [];
    const keep = (html) => { tokens.push(html); return "\u0000" + (tokens.length - 1) + "\u0000"; };
    let s = String(text ?? "");
    s = s.replace(/<([^<>]+)>/g, (_, inner) => {
      const [target, escaped] = inner.split("|");
      const label = escaped && unescape(escaped);
      if (target.startsWith("!date^")) return keep(slackDate(target, label, clock));
      if (target.startsWith("@")) return keep(`<span class="mention">@${esc(names[target.slice(1)] || label || target.slice(1))}</span>`);
      if (target.startsWith("#")) return keep(`<span class="mention">#${esc(label || names[target.slice(1)] || target.slice(1))}</span>`);
      if (target.startsWith("!")) return keep(`<span class="mention">@${esc(label || target.slice(1))}</span>`);
      return keep(`<a href="${esc(target)}" target="_blank" rel="noopener">${esc(label || target)}</a>`);
    });
    s = esc(unescape(s));
    s = s.replace(/```([\s\S]+?)```/g, (_, c) => keep(`<pre><code>${c}</code></pre>`));
    s = s.replace(/`([^`\n]+)`/g, (_, c) => keep(`<code>${c}</code>`));
    s = s.replace(/(^|[\s(])\*([^*\n]+)\*/g, "$1<b>$2</b>");
    s = s.replace(/(^|[\s(])_([^_\n]+)_/g, "$1<i>$2</i>");
    s = s.replace(/(^|[\s(])~([^~\n]+)~/g, "$1<s>$2</s>");
    s = s.replace(/^&gt; ?(.*)$/gm, "<blockquote>$1</blockquote>");
    s = s.replace(/<\/blockquote>\n/g, "</blockquote>").replace(/\n/g, "<br>");
    return s.replace(/\u0000(\d+)\u0000/g, (_, i) => tokens[+i]);
  }

  // ctx: {names, tz, now}, as render() takes it.
  function text(obj, ctx) {
    if (!obj) return "";
    return obj.type === "mrkdwn" ? mrkdwn(obj.text, ctx.names, ctx) : esc(obj.text);
  }

  const el = (tag, cls, html) => { const e = document.createElement(tag); if (cls) e.className = cls; if (html != null) e.innerHTML = html; return e; };
  const option = (o) => ({ text: o.text, value: o.value });

  // One interactive element. `onAct(action)` is called when it acts at once (not inside an input block).
  // Returns {node, value()} where value() is the element's state in Slack's shape.
  function element(e, ctx, inInput) {
    const names = ctx.names;
    const act = (extra) => { if (!inInput || e.dispatch_action) ctx.onAct({ type: e.type, action_id: e.action_id, block_id: ctx.blockId, ...extra }); };
    const allOptions = () => (e.option_groups ? e.option_groups.flatMap((g) => g.options) : e.options || []);
    switch (e.type) {
      case "button": {
        const b = el("button", "bk " + (e.style || ""), text(e.text, ctx));
        b.type = "button";
        b.onclick = () => { if (e.url) window.open(e.url, "_blank"); act({ text: e.text, value: e.value, style: e.style }); };
        return { node: b, value: () => null };
      }
      case "overflow":
      case "static_select":
      case "users_select":
      case "conversations_select":
      case "channels_select": {
        const sel = el("select", "bk-select");
        const users = e.type === "users_select";
        const choices = users ? Object.entries(names).map(([id, n]) => ({ value: id, text: { type: "plain_text", text: n } })) : allOptions();
        sel.appendChild(new Option(e.type === "overflow" ? "⋯" : (e.placeholder ? e.placeholder.text : "Choose…"), ""));
        choices.forEach((o) => sel.appendChild(new Option(o.text.text, o.value)));
        const initial = users ? e.initial_user : e.initial_option && e.initial_option.value;
        if (initial) sel.value = initial;
        const picked = () => choices.find((o) => o.value === sel.value);
        const value = () => users ? { type: e.type, selected_user: sel.value || null }
          : { type: e.type, selected_option: picked() ? option(picked()) : null };
        sel.onchange = () => act(users ? { selected_user: sel.value } : { selected_option: picked() ? option(picked()) : null });
        return { node: sel, value };
      }
      case "multi_static_select":
      case "multi_users_select": {
        const sel = el("select", "bk-select"); sel.multiple = true; sel.size = Math.min(6, (e.options || []).length || 6);
        const users = e.type === "multi_users_select";
        const choices = users ? Object.entries(names).map(([id, n]) => ({ value: id, text: { type: "plain_text", text: n } })) : allOptions();
        const initial = new Set(users ? e.initial_users || [] : (e.initial_options || []).map((o) => o.value));
        choices.forEach((o) => { const op = new Option(o.text.text, o.value); op.selected = initial.has(o.value); sel.appendChild(op); });
        const chosen = () => choices.filter((o) => [...sel.selectedOptions].some((s) => s.value === o.value));
        const value = () => users ? { type: e.type, selected_users: chosen().map((o) => o.value) }
          : { type: e.type, selected_options: chosen().map(option) };
        sel.onchange = () => act(value());
        return { node: sel, value };
      }
      case "radio_buttons":
      case "checkboxes": {
        const box = el("div", "choices");
        const name = "r" + Math.random().toString(36).slice(2);
        const initial = new Set(e.type === "checkboxes" ? (e.initial_options || []).map((o) => o.value) : e.initial_option ? [e.initial_option.value] : []);
        const inputs = (e.options || []).map((o) => {
          const lab = el("label", "choice");
          const i = document.createElement("input");
          i.type = e.type === "checkboxes" ? "checkbox" : "radio"; i.name = name; i.value = o.value; i.checked = initial.has(o.value);
          lab.appendChild(i); lab.insertAdjacentHTML("beforeend", " " + text(o.text, ctx) + (o.description ? ` <small>${text(o.description, ctx)}</small>` : ""));
          box.appendChild(lab); box.appendChild(document.createElement("br"));
          return [i, o];
        });
        const chosen = () => inputs.filter(([i]) => i.checked).map(([, o]) => option(o));
        const value = () => e.type === "checkboxes" ? { type: e.type, selected_options: chosen() } : { type: e.type, selected_option: chosen()[0] || null };
        box.onchange = () => act(value());
        return { node: box, value };
      }
      case "plain_text_input": {
        const i = e.multiline ? document.createElement("textarea") : document.createElement("input");
        if (!e.multiline) i.type = "text"; else i.rows = 3;
        if (e.placeholder) i.placeholder = e.placeholder.text;
        if (e.max_length) i.maxLength = e.max_length;
        i.value = e.initial_value || "";
        return { node: i, value: () => ({ type: e.type, value: i.value || null }) };
      }
      case "number_input": {
        const i = document.createElement("input"); i.type = "number";
        if (!e.is_decimal_allowed) i.step = "1";
        if (e.min_value != null) i.min = e.min_value; if (e.max_value != null) i.max = e.max_value;
        i.value = e.initial_value || "";
        return { node: i, value: () => ({ type: e.type, value: i.value || null }) };
      }
      case "datepicker": {
        const i = document.createElement("input"); i.type = "date"; i.value = e.initial_date || "";
        i.onchange = () => act({ selected_date: i.value });
        return { node: i, value: () => ({ type: e.type, selected_date: i.value || null }) };
      }
      case "image": {
        const img = el("img"); img.src = e.image_url; img.alt = e.alt_text || "";
        return { node: img, value: () => null };
      }
      default:
        return { node: el("span", "unsupported", `[${esc(e.type)}]`), value: () => null };
    }
  }

  // Renders blocks into `into`; returns collectors for input blocks: [{block_id, action_id, value()}].
  function render(blocks, into, ctx) {
    const inputs = [];
    (blocks || []).forEach((b, n) => {
      const blockId = b.block_id || "b" + n;
      const c = { ...ctx, blockId };
      let node;
      switch (b.type) {
        case "section": {
          node = el("div", "block section");
          const body = el("div", "body");
          if (b.text) body.appendChild(el("div", "text", text(b.text, ctx)));
          if (b.fields) { const f = el("div", "fields"); b.fields.forEach((x) => f.appendChild(el("div", "", text(x, ctx)))); body.appendChild(f); }
          node.appendChild(body);
          if (b.accessory) node.appendChild(element(b.accessory, c, false).node);
          break;
        }
        case "header": node = el("div", "block header", text(b.text, ctx)); break;
        case "divider": node = el("hr", "divider"); break;
        case "image": {
          node = el("div", "block image-block");
          if (b.title) node.appendChild(el("div", "", text(b.title, ctx)));
          const img = el("img", "image"); img.src = b.image_url; img.alt = b.alt_text || ""; node.appendChild(img);
          break;
        }
        case "context": {
          node = el("div", "block context");
          (b.elements || []).forEach((x) => {
            if (x.type === "image") { const i = el("img"); i.src = x.image_url; i.alt = x.alt_text || ""; node.appendChild(i); }
            else node.appendChild(el("span", "", text(x, ctx)));
          });
          break;
        }
        case "actions": {
          node = el("div", "block actions");
          (b.elements || []).forEach((x) => node.appendChild(element(x, c, false).node));
          break;
        }
        case "input": {
          node = el("div", "block input");
          node.dataset.blockId = blockId;
          node.appendChild(el("label", "title", text(b.label, ctx) + (b.optional ? " <small>(optional)</small>" : "")));
          const made = element(b.element, c, true);
          node.appendChild(made.node);
          if (b.hint) node.appendChild(el("div", "hint", text(b.hint, ctx)));
          const error = ctx.errors && ctx.errors[blockId];
          if (error) node.appendChild(el("div", "error", esc(error)));
          inputs.push({ block_id: blockId, action_id: b.element.action_id, value: made.value });
          break;
        }
        default: node = el("div", "block unsupported", `[${esc(b.type)} block]`);
      }
      into.appendChild(node);
    });
    return inputs;
  }

  function state(inputs) {
    const values = {};
    inputs.forEach((i) => { values[i.block_id] = { [i.action_id]: i.value() }; });
    return values;
  }

  return { mrkdwn, render, state, esc };
})();
if (typeof module !== "undefined") module.exports = BlockKit;
