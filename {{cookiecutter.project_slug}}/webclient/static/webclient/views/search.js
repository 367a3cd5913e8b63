// Message search, in the sidebar: the server's search over my rooms (full-text on PostgreSQL),
// newest first; a result opens its room at that message, older pages loaded back to it.
import { byId, h } from "../dom.js";
import { displayName, roomName, state } from "../store.js";

// Searches are throttled per user: one once typing pauses, not one per key.
const PAUSE_MS = 400;

export function mountSearch(actions) {
  const input = byId("message-search");
  const results = byId("search-results");
  let timer = null;
  let latest = 0;
  input.addEventListener("input", () => {
    clearTimeout(timer);
    const query = input.value.trim();
    if (!query) {
      latest += 1; // an answer still on its way is no longer wanted
      results.replaceChildren();
      return;
    }
    timer = setTimeout(async () => {
      const asked = ++latest;
      try {
        const found = await actions.searchMessages(query);
        if (asked !== latest) return;
        results.replaceChildren(...(found.length ? found.map(result) : [h("li", { class: "hint" }, "No message found.")]));
      } catch (error) {
        if (asked === latest) results.replaceChildren(h("li", { class: "error" }, error.message));
      }
    }, PAUSE_MS);
  });

  function result(message) {
    const room = state.rooms.get(message.room);
    const open = (event) => {
      event.preventDefault();
      actions.showMessage(message.room, message.id).catch((error) => actions.reportError(error));
    };
    return h(
      "li",
      { class: "result" },
      h(
        "a",
        { href: `#room-${message.room}`, onclick: open },
        h("span", { class: "hint" }, `${room ? roomName(room) : "A room"} · ${displayName(message.sender)}`),
        h("span", { class: "excerpt" }, message.body),
      ),
    );
  }
}
