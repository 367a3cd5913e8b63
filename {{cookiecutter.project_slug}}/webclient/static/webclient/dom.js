// Elements built from data with text nodes and attributes only: never HTML from a string, so
// a message cannot inject markup.

export function h(tag, props = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(props)) {
    if (value === null || value === undefined || value === false) continue;
    if (name === "class") element.className = value;
    else if (name.startsWith("on")) element.addEventListener(name.slice(2), value);
    // A property, not an attribute: what a control holds now, not what it started with.
    else if (name === "value") element.value = value;
    else element.setAttribute(name, value === true ? "" : String(value));
  }
  element.append(...children.flat().filter((child) => child !== null && child !== undefined && child !== false));
  return element;
}

// Redraw part of the page without losing the keyboard's place. A focused control that the
// change takes away would leave the focus on <body>, and the next Tab at the top of the page:
// its counterpart in what is drawn instead (the element with the same data-focus key) takes it,
// or that of the nearest key it is part of ("m7:react" falls back to "m7"), or `fallback()`.
export function keepingFocus(container, change, fallback = () => null) {
  const focused = document.activeElement;
  const inside = focused && focused !== document.body && container.contains(focused);
  let key = inside ? (focused.closest("[data-focus]")?.dataset.focus ?? "") : "";
  change();
  if (!inside || (document.activeElement && document.activeElement !== document.body)) return;
  while (key) {
    const counterpart = container.querySelector(`[data-focus="${CSS.escape(key)}"]`);
    if (counterpart && !counterpart.closest("[hidden]")) {
      counterpart.focus();
      return;
    }
    key = key.includes(":") ? key.slice(0, key.lastIndexOf(":")) : "";
  }
  fallback()?.focus();
}

// Say something to screen readers without showing it: `region` is a visually hidden live
// region (role="log"), which keeps its last few lines.
export function announce(region, text, kept = 5) {
  region.append(h("p", {}, text));
  while (region.childElementCount > kept) region.firstElementChild.remove();
}

// The button a first click armed, by its data-focus key, and what it says: redrawn meanwhile (a
// member event redraws its list), it is drawn armed, and keepingFocus gives it the focus back.
let armed = null;

// A button whose action takes a second click, on the button that now says what will happen: the
// page opens no confirm() box. Moving away from it takes the first click back. `confirmation`
// may be a function, asked at the first click: what will happen may have changed since.
export function askTwice(button, label, confirmation, action) {
  const key = button.dataset.focus;
  button.textContent = key && armed?.key === key ? armed.text : label;
  button.addEventListener("click", () => {
    if (button.textContent === label) {
      button.textContent = typeof confirmation === "function" ? confirmation() : confirmation;
      armed = key ? { key, text: button.textContent } : null;
      return;
    }
    armed = null;
    button.textContent = label;
    action();
  });
  button.addEventListener("blur", () => {
    button.textContent = label;
    if (button.isConnected && armed?.key === key) armed = null;
  });
  return button;
}

export function confirmedButton(props, label, confirmation, action) {
  return askTwice(h("button", { type: "button", ...props }), label, confirmation, action);
}

// Web addresses in a text, as links, and the rest as text: an element made from data, never
// markup. Only http(s) links; punctuation that ends a sentence stays outside the link.
const WEB_ADDRESS = /\bhttps?:\/\/[^\s<>"]+/g;
export function linked(text) {
  const parts = [];
  let from = 0;
  for (const match of text.matchAll(WEB_ADDRESS)) {
    const address = match[0].replace(/[.,;:!?'")\]]+$/, "");
    parts.push(text.slice(from, match.index));
    parts.push(h("a", { href: address, target: "_blank", rel: "noopener noreferrer nofollow" }, address));
    from = match.index + address.length;
  }
  parts.push(text.slice(from));
  return parts.filter((part) => part !== "");
}

export function byId(id) {
  return document.getElementById(id);
}

export function formatTime(iso) {
  const date = new Date(iso);
  const today = new Date().toDateString() === date.toDateString();
  return today
    ? date.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" })
    : date.toLocaleString([], { dateStyle: "short", timeStyle: "short" });
}

export function formatSize(bytes) {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(0)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

export function count(n, noun) {
  return `${n} ${noun}${n === 1 ? "" : "s"}`;
}

// A search box that asks once its text stops changing for `pauseMs` (searches are throttled
// per user), and shows only the answer to what it holds now.
export function searchAsTyped(input, results, { search, more, render, nothingFound, pauseMs }) {
  let timer = null;
  let latest = 0;
  input.addEventListener("input", () => {
    clearTimeout(timer);
    latest += 1; // an answer still on its way is no longer wanted
    const query = input.value.trim();
    if (!query) {
      results.replaceChildren();
      return;
    }
    timer = setTimeout(async () => {
      const asked = ++latest;
      try {
        const page = await search(query);
        if (asked !== latest) return;
        results.replaceChildren(...(page.results.length ? shown(page, asked) : [h("li", { class: "hint" }, nothingFound(query))]));
      } catch (error) {
        if (asked === latest) results.replaceChildren(h("li", { class: "error" }, error.message));
      }
    }, pauseMs);
  });

  // A page's results, and a button that brings the next page in after them.
  function shown(page, asked) {
    const items = page.results.map(render);
    if (page.next) {
      const failure = h("span", { class: "error", role: "alert" });
      const item = h("li", {}, h("button", {
        type: "button",
        class: "link",
        onclick: async (event) => {
          const button = event.currentTarget;
          button.disabled = true;
          failure.textContent = "";
          try {
            const next = await more(page.next);
            if (asked === latest) item.replaceWith(...shown(next, asked));
          } catch (error) {
            // The results so far stay, and so does the button: asking again needs no retyping.
            failure.textContent = ` ${error.message}`;
            button.disabled = false;
          }
        },
      }, "More results"), failure);
      items.push(item);
    }
    return items;
  }
}
